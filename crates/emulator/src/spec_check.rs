//! Validating emulator responses against the vendors' published API descriptions
//! (feature `spec-check`, used by the emulators' tests).
//!
//! OpenAPI 3.0 schemas are JSON Schema plus `nullable`; Swagger 2.0 has `x-nullable` at most.
//! Both are rewritten into plain JSON Schema (`anyOf: [schema, {type: null}]`) and validated as
//! draft 4, which is what OpenAPI 3.0's schema object is based on. Swagger 2.0 cannot say that a
//! property may be null, yet the real APIs return nulls for absent values; for a Swagger 2.0
//! document without any `x-nullable`, every *property* is therefore accepted as null (its type is
//! still checked when it is not null, and a `required` property must still be present). This is
//! deliberate: ServiceTitan's CRM document marks e.g. a contact's `phoneSettings` as required,
//! and an email contact has none to give. Formats are not asserted (they are annotations in the
//! vendors' documents: `decimal`, `int64`, …).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

/// A compiled view of one API description.
#[derive(Clone)]
pub struct SpecValidator {
    root: Arc<Value>,
    schema_base: &'static str,
    compiled: Arc<Mutex<HashMap<String, Arc<jsonschema::Validator>>>>,
}

impl std::fmt::Debug for SpecValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpecValidator")
            .field("schema_base", &self.schema_base)
            .finish()
    }
}

fn wrap_nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

/// Rewrites `nullable` / `x-nullable` (and, when `all_properties_nullable`, every property).
fn rewrite(value: Value, all_properties_nullable: bool) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| rewrite(v, all_properties_nullable))
                .collect(),
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            let mut nullable = false;
            for (key, v) in map {
                match key.as_str() {
                    "nullable" | "x-nullable" => nullable |= v == Value::Bool(true),
                    "properties" => {
                        let props = match v {
                            Value::Object(props) => props
                                .into_iter()
                                .map(|(name, schema)| {
                                    let schema = rewrite(schema, all_properties_nullable);
                                    let schema = if all_properties_nullable {
                                        wrap_nullable(schema)
                                    } else {
                                        schema
                                    };
                                    (name, schema)
                                })
                                .collect(),
                            other => rewrite(other, all_properties_nullable),
                        };
                        out.insert(key, props);
                    }
                    _ => {
                        out.insert(key, rewrite(v, all_properties_nullable));
                    }
                }
            }
            let rewritten = Value::Object(out);
            if nullable {
                wrap_nullable(rewritten)
            } else {
                rewritten
            }
        }
        other => other,
    }
}

/// Adds `additionalProperties: false` to every object schema with `properties` that does not
/// say (recursively, through properties, items and combinators).
fn close_objects(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                // Property *names* are not schemas; their values are.
                if key == "properties" {
                    if let Value::Object(props) = child {
                        props.values_mut().for_each(close_objects);
                    }
                } else if key != "enum" && key != "example" && key != "required" {
                    close_objects(child);
                }
            }
        }
        _ => {}
    }
}

impl SpecValidator {
    /// Reads an OpenAPI 3.x or Swagger 2.0 document (as JSON).
    pub fn new(spec: Value) -> Result<Self, String> {
        let is_swagger2 = spec.get("swagger").and_then(Value::as_str) == Some("2.0");
        let is_openapi3 = spec
            .get("openapi")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with('3'));
        if !is_swagger2 && !is_openapi3 {
            return Err("not an OpenAPI 3 or Swagger 2.0 document".into());
        }
        let has_x_nullable = spec.to_string().contains("\"x-nullable\"");
        let (key, schema_base) = if is_swagger2 {
            ("definitions", "#/definitions/")
        } else {
            ("components", "#/components/schemas/")
        };
        let section = spec
            .get(key)
            .cloned()
            .ok_or_else(|| format!("document has no {key}"))?;
        let section = rewrite(section, is_swagger2 && !has_x_nullable);
        let mut root = Map::new();
        root.insert(key.to_owned(), section);
        Ok(Self {
            root: Arc::new(Value::Object(root)),
            schema_base,
            compiled: Arc::default(),
        })
    }

    /// Like [`SpecValidator::new`], but strict: every object schema that declares `properties`
    /// and says nothing about others refuses undeclared ones (`additionalProperties: false`),
    /// so a property the document lacks fails validation instead of passing unnoticed.
    /// `allowed` lists `(schema, property)` pairs a recording of the real service shows but
    /// the document lacks: they are declared (any value) on that named schema; a property of
    /// `"*"` leaves that schema open (a recording shows it carrying whole other entities).
    pub fn strict(mut spec: Value, allowed: &[(&str, &str)]) -> Result<Self, String> {
        let section = if spec.get("swagger").is_some() {
            spec.get_mut("definitions")
        } else {
            spec.get_mut("components")
                .and_then(|c| c.get_mut("schemas"))
        };
        let schemas = section
            .and_then(Value::as_object_mut)
            .ok_or("document has no schemas")?;
        for (schema, property) in allowed {
            if *property == "*" {
                let open = schemas
                    .get_mut(*schema)
                    .and_then(Value::as_object_mut)
                    .ok_or_else(|| format!("allowance for unknown schema {schema:?}"))?;
                open.insert("additionalProperties".into(), Value::Bool(true));
                continue;
            }
            let props = schemas
                .get_mut(*schema)
                .and_then(|s| s.get_mut("properties"))
                .and_then(Value::as_object_mut)
                .ok_or_else(|| format!("allowance for unknown schema {schema:?}"))?;
            props
                .entry(property.to_string())
                .or_insert_with(|| json!({}));
        }
        for schema in schemas.values_mut() {
            close_objects(schema);
        }
        Self::new(spec)
    }

    /// Parses a JSON document's text.
    pub fn from_json(text: &str) -> Result<Self, String> {
        Self::new(serde_json::from_str(text).map_err(|e| format!("spec is not JSON: {e}"))?)
    }

    /// The names of the document's schemas.
    pub fn schema_names(&self) -> Vec<String> {
        let section = self
            .root
            .get("definitions")
            .or_else(|| self.root.get("components").and_then(|c| c.get("schemas")));
        section
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn validator(&self, schema: &str) -> Result<Arc<jsonschema::Validator>, String> {
        let mut cache = self.compiled.lock().expect("spec cache poisoned");
        if let Some(v) = cache.get(schema) {
            return Ok(v.clone());
        }
        if !self.schema_names().iter().any(|n| n == schema) {
            return Err(format!("the spec has no schema {schema:?}"));
        }
        let mut doc = (*self.root).clone();
        let reference = format!("{}{}", self.schema_base, schema);
        doc.as_object_mut()
            .expect("root is an object")
            .insert("allOf".into(), json!([{ "$ref": reference }]));
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&doc)
            .map_err(|e| format!("schema {schema}: {e}"))?;
        let validator = Arc::new(validator);
        cache.insert(schema.to_owned(), validator.clone());
        Ok(validator)
    }

    /// Checks `instance` against the named schema; the errors name the JSON path of each fault.
    pub fn validate(&self, schema: &str, instance: &Value) -> Result<(), Vec<String>> {
        let validator = self.validator(schema).map_err(|e| vec![e])?;
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{}: {}", e.instance_path(), e))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openapi() -> SpecValidator {
        SpecValidator::new(json!({
            "openapi": "3.0.1",
            "components": { "schemas": {
                "Money": { "type": "object", "required": ["total"], "properties": {
                    "total": { "type": "string", "format": "decimal" },
                    "memo": { "type": "string", "nullable": true },
                    "items": { "type": "array", "items": { "$ref": "#/components/schemas/Item" } }
                }},
                "Item": { "type": "object", "properties": { "id": { "type": "integer" } } }
            }}
        }))
        .expect("valid spec")
    }

    #[test]
    fn nullable_is_honoured_and_refs_resolve() {
        let v = openapi();
        assert_eq!(
            v.validate(
                "Money",
                &json!({"total": "1.00", "memo": null, "items": [{"id": 3}]})
            ),
            Ok(())
        );
        let errors = v
            .validate("Money", &json!({"total": 1.0, "items": [{"id": "x"}]}))
            .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(v.validate("Money", &json!({"memo": "no total"})).is_err());
        assert!(v.validate("Nope", &json!({})).is_err());
    }

    #[test]
    fn strict_refuses_undeclared_properties_unless_allowed() {
        let doc = json!({
            "openapi": "3.0.1",
            "components": { "schemas": {
                "C": { "type": "object", "properties": {
                    "name": { "type": "string" },
                    "lines": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "integer" } } } }
                }}
            }}
        });
        let lenient = SpecValidator::new(doc.clone()).expect("valid");
        assert_eq!(
            lenient.validate("C", &json!({"name": "a", "extra": 1})),
            Ok(())
        );
        let strict = SpecValidator::strict(doc.clone(), &[]).expect("valid");
        assert!(
            strict
                .validate("C", &json!({"name": "a", "extra": 1}))
                .is_err()
        );
        assert!(
            strict
                .validate("C", &json!({"lines": [{"id": 1, "x": 2}]}))
                .is_err()
        );
        assert_eq!(
            strict.validate("C", &json!({"name": "a", "lines": [{"id": 1}]})),
            Ok(())
        );
        let allowed = SpecValidator::strict(doc.clone(), &[("C", "extra")]).expect("valid");
        assert_eq!(allowed.validate("C", &json!({"extra": true})), Ok(()));
        let open = SpecValidator::strict(doc, &[("C", "*")]).expect("valid");
        assert_eq!(open.validate("C", &json!({"anything": true})), Ok(()));
        assert!(open.validate("C", &json!({"lines": [{"x": 2}]})).is_err());
    }

    #[test]
    fn swagger2_properties_accept_null_but_keep_their_type() {
        let v = SpecValidator::new(json!({
            "swagger": "2.0",
            "definitions": { "C": { "type": "object", "properties": { "name": { "type": "string" } } } }
        }))
        .expect("valid spec");
        assert_eq!(v.validate("C", &json!({"name": null})), Ok(()));
        assert!(v.validate("C", &json!({"name": 5})).is_err());
    }
}
