//! Name and address pools for generated customers. They include apostrophes, ampersands and
//! accents on purpose (escaping and matching cases for the accounting side).

pub(crate) const FIRST: [&str; 40] = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "Michael",
    "Jennifer",
    "William",
    "Linda",
    "David",
    "Elizabeth",
    "Richard",
    "Barbara",
    "Joseph",
    "Susan",
    "Thomas",
    "Jessica",
    "Charles",
    "Sarah",
    "Daniel",
    "Karen",
    "Matthew",
    "Nancy",
    "Anthony",
    "Lisa",
    "Mark",
    "Betty",
    "Steven",
    "Sandra",
    "Paul",
    "Ashley",
    "José",
    "Zoë",
    "Renée",
    "François",
    "Björn",
    "Siobhán",
    "Chloé",
    "Łukasz",
    "Ana",
    "Kevin",
];

pub(crate) const LAST: [&str; 36] = [
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "O'Connor",
    "O'Neil",
    "D'Angelo",
    "Müller",
    "Núñez",
    "García-López",
    "McAllister",
    "Kowalski",
];

/// `{}` is replaced by a last name.
pub(crate) const COMPANIES: [&str; 14] = [
    "{} & Sons Hardware",
    "{}'s Diner",
    "{} Family Dentistry",
    "The {} Group",
    "{} Property Management",
    "St. {}'s Church",
    "{} Auto Body & Paint",
    "Café {}",
    "{} Veterinary Clinic",
    "{} & Daughters Florist",
    "{} Self Storage",
    "Crème de la Crème Bakery",
    "{} Montessori School",
    "{} Brewing Co.",
];

pub(crate) const STREETS: [&str; 12] = [
    "Elm Street",
    "Oak Avenue",
    "Maple Drive",
    "Cedar Lane",
    "Pine Court",
    "Washington Blvd",
    "Lincoln Way",
    "Lakeview Terrace",
    "Sunset Road",
    "Meadow Lane",
    "Chestnut Street",
    "River Road",
];

/// (city, state, zip) per tenant index; the first city of each has the component-rate zone.
pub(crate) const CITIES: [[(&str, &str, &str); 4]; 2] = [
    [
        ("Springfield", "IL", "62704"),
        ("Chatham", "IL", "62629"),
        ("Rochester", "IL", "62563"),
        ("Sherman", "IL", "62684"),
    ],
    [
        ("Portland", "OR", "97205"),
        ("Beaverton", "OR", "97005"),
        ("Lake Oswego", "OR", "97034"),
        ("Tigard", "OR", "97223"),
    ],
];

/// Lower-cased ASCII letters of a name, for generated e-mail addresses.
pub(crate) fn slug(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
