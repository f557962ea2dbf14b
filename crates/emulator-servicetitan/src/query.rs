//! Query strings as ASP.NET model binding reads them: parameter names are case-insensitive,
//! unknown parameters are ignored, an empty value counts as absent (servicepytan sends
//! `from=`), booleans accept `true`/`True`, and a value that does not parse is a 400 naming
//! the parameter. Also the paged-list envelope and `sort`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::wire::{parse_decimal, parse_ts};

/// The documented default page size.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 50;
/// Larger page sizes are clamped to this (the partner docs' "between 1 and 5000").
pub(crate) const MAX_PAGE_SIZE: usize = 5000;

/// A parsed query string: `(lowercased name, value)` pairs in order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Query(Vec<(String, String)>);

fn invalid(name: &str, value: &str) -> ApiError {
    ApiError::validation(
        name,
        format!("The value '{value}' is not valid for {name}."),
    )
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let pairs: Vec<(String, String)> = raw
            .and_then(|r| serde_urlencoded::from_str(r).ok())
            .unwrap_or_default();
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        )
    }

    /// The first non-empty value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        let key = name.to_ascii_lowercase();
        self.0
            .iter()
            .find(|(k, v)| *k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// Every value of `name`, repeated (`statuses=A&statuses=B`) or comma-separated.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        let key = name.to_ascii_lowercase();
        self.0
            .iter()
            .filter(|(k, _)| *k == key)
            .flat_map(|(_, v)| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub(crate) fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(invalid(name, v)),
        }
    }

    pub(crate) fn i64(&self, name: &str) -> ApiResult<Option<i64>> {
        self.get(name)
            .map(|v| v.parse::<i64>().map_err(|_| invalid(name, v)))
            .transpose()
    }

    pub(crate) fn decimal(&self, name: &str) -> ApiResult<Option<Decimal>> {
        self.get(name)
            .map(|v| parse_decimal(v).ok_or_else(|| invalid(name, v)))
            .transpose()
    }

    pub(crate) fn date(&self, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
        self.get(name)
            .map(|v| parse_ts(v).ok_or_else(|| invalid(name, v)))
            .transpose()
    }

    /// A comma-separated id list (`ids=1,2,3`); `None` when absent.
    pub(crate) fn ids(&self, name: &str) -> ApiResult<Option<Vec<i64>>> {
        let values = self.list(name);
        if values.is_empty() {
            return Ok(None);
        }
        values
            .iter()
            .map(|v| v.parse::<i64>().map_err(|_| invalid(name, v)))
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// `active=True|Any|False`; the documented default is active records only.
    pub(crate) fn active(&self) -> ApiResult<Option<bool>> {
        match self.get("active") {
            None => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("any") => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(invalid("active", v)),
        }
    }

    /// The created/modified window every list takes.
    pub(crate) fn window(&self) -> ApiResult<Window> {
        Ok(Window {
            created_before: self.date("createdBefore")?,
            created_on_or_after: self.date("createdOnOrAfter")?,
            modified_before: self.date("modifiedBefore")?,
            modified_on_or_after: self.date("modifiedOnOrAfter")?,
        })
    }
}

/// `createdBefore`, `createdOnOrAfter`, `modifiedBefore`, `modifiedOnOrAfter`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Window {
    created_before: Option<DateTime<Utc>>,
    created_on_or_after: Option<DateTime<Utc>>,
    modified_before: Option<DateTime<Utc>>,
    modified_on_or_after: Option<DateTime<Utc>>,
}

impl Window {
    pub(crate) fn admits(&self, created: DateTime<Utc>, modified: DateTime<Utc>) -> bool {
        self.created_before.is_none_or(|t| created < t)
            && self.created_on_or_after.is_none_or(|t| created >= t)
            && self.modified_before.is_none_or(|t| modified < t)
            && self.modified_on_or_after.is_none_or(|t| modified >= t)
    }
}

/// `page`, `pageSize`, `includeTotal`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub page: usize,
    pub page_size: usize,
    pub include_total: bool,
}

impl Paging {
    pub(crate) fn from_query(q: &Query) -> ApiResult<Self> {
        let page = q.i64("page")?.unwrap_or(1);
        if page < 1 {
            return Err(ApiError::validation(
                "page",
                "Page number must be 1 or greater.",
            ));
        }
        let size = q.i64("pageSize")?.unwrap_or(DEFAULT_PAGE_SIZE as i64);
        if size < 1 {
            return Err(ApiError::validation(
                "pageSize",
                "Page size must be between 1 and 5000.",
            ));
        }
        let page_size = (size as usize).min(MAX_PAGE_SIZE);
        Ok(Self {
            page: page as usize,
            page_size,
            include_total: q.bool("includeTotal")?.unwrap_or(false),
        })
    }
}

/// `PaginatedResponse_Of_…`: `totalCount` is written as `null` unless `includeTotal=true`
/// (ServiceTitan serializes nulls rather than omitting them, see the official example).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page<T> {
    pub page: usize,
    pub page_size: usize,
    pub has_more: bool,
    pub total_count: Option<usize>,
    pub data: Vec<T>,
}

/// Cuts one page out of the already filtered and sorted `items`, rendering only that page.
pub(crate) fn paginate<S, T>(items: Vec<S>, paging: Paging, render: impl FnMut(S) -> T) -> Page<T> {
    let total = items.len();
    let start = (paging.page - 1).saturating_mul(paging.page_size);
    let data: Vec<T> = items
        .into_iter()
        .skip(start)
        .take(paging.page_size)
        .map(render)
        .collect();
    let has_more = start.saturating_add(paging.page_size) < total;
    Page {
        page: paging.page,
        page_size: paging.page_size,
        has_more,
        total_count: paging.include_total.then_some(total),
        data,
    }
}

/// The field and direction of `sort=+Field` / `sort=-Field` (no sign = ascending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortField {
    Id,
    ModifiedOn,
    CreatedOn,
    Name,
    Number,
    InvoiceDate,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Sort {
    pub field: SortField,
    pub descending: bool,
}

impl Sort {
    /// Parses `sort` allowing only `allowed` fields; the default is ascending by id, which keeps
    /// paging stable (every record exactly once across pages).
    pub(crate) fn from_query(q: &Query, allowed: &[SortField]) -> ApiResult<Self> {
        let Some(raw) = q.get("sort") else {
            return Ok(Self {
                field: SortField::Id,
                descending: false,
            });
        };
        let (descending, name) = match raw.as_bytes().first() {
            Some(b'-') => (true, &raw[1..]),
            Some(b'+') => (false, &raw[1..]),
            _ => (false, raw),
        };
        let field = match name.trim().to_ascii_lowercase().as_str() {
            "id" => SortField::Id,
            "modifiedon" => SortField::ModifiedOn,
            "createdon" => SortField::CreatedOn,
            "name" => SortField::Name,
            "number" | "referencenumber" => SortField::Number,
            "invoicedate" | "invoicedon" => SortField::InvoiceDate,
            _ => {
                return Err(ApiError::validation(
                    "sort",
                    format!("Sorting by '{name}' is not supported."),
                ));
            }
        };
        if !allowed.contains(&field) {
            return Err(ApiError::validation(
                "sort",
                format!("Sorting by '{name}' is not supported."),
            ));
        }
        Ok(Self { field, descending })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_empty_means_absent() {
        let q = Query::parse(Some(
            "PageSize=10&from=&includeRecentChanges=False&ids=1,2&ids=3",
        ));
        assert_eq!(q.get("pagesize"), Some("10"));
        assert_eq!(q.get("from"), None);
        assert_eq!(q.bool("includeRecentChanges").unwrap(), Some(false));
        assert_eq!(q.ids("ids").unwrap(), Some(vec![1, 2, 3]));
        assert!(Query::parse(Some("page=x")).i64("page").is_err());
    }

    #[test]
    fn paging_clamps_and_pages_without_overlap() {
        let p = Paging::from_query(&Query::parse(Some("pageSize=9999&page=2"))).unwrap();
        assert_eq!((p.page, p.page_size), (2, MAX_PAGE_SIZE));
        assert!(Paging::from_query(&Query::parse(Some("page=0"))).is_err());
        let p = Paging {
            page: 2,
            page_size: 3,
            include_total: true,
        };
        let page = paginate((1..=7).collect(), p, |x| x);
        assert_eq!(
            (page.data, page.has_more, page.total_count),
            (vec![4, 5, 6], true, Some(7))
        );
        let p = Paging {
            page: 3,
            page_size: 3,
            include_total: false,
        };
        let page = paginate((1..=7).collect(), p, |x| x);
        assert_eq!(
            (page.data, page.has_more, page.total_count),
            (vec![7], false, None)
        );
    }

    #[test]
    fn sort_accepts_signs_and_refuses_unknown_fields() {
        let s = Sort::from_query(
            &Query::parse(Some("sort=-ModifiedOn")),
            &[SortField::Id, SortField::ModifiedOn],
        )
        .unwrap();
        assert!(s.descending && s.field == SortField::ModifiedOn);
        assert!(Sort::from_query(&Query::parse(Some("sort=+Color")), &[SortField::Id]).is_err());
    }
}
