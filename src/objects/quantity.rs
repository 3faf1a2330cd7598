//! Resource quantities (`250m`, `1Gi`, `1e3`, `nvidia.com/gpu: 2`) read into
//! the base units kube-state-metrics serves: CPU in cores, everything else
//! as a whole number (bytes or a count).
//!
//! kube-state-metrics reads CPU as `MilliValue()/1000` and everything else
//! as `Value()`; both round up, away from zero, to the unit. The arithmetic
//! is done on the decimal digits so `0.1` CPU is exactly 100 millicores.

use super::Str;
use serde::{Deserialize, Deserializer, de::Error};
use std::collections::BTreeMap;

/// What the `unit` label says about a resource's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceUnit {
    Core,
    Byte,
    Integer,
}

impl ResourceUnit {
    pub fn label(self) -> &'static str {
        match self {
            ResourceUnit::Core => "core",
            ResourceUnit::Byte => "byte",
            ResourceUnit::Integer => "integer",
        }
    }

    /// The unit of a resource name, or `None` for names kube-state-metrics
    /// leaves out (unprefixed names it does not know).
    pub fn of(resource: &str) -> Option<ResourceUnit> {
        match resource {
            "cpu" => Some(ResourceUnit::Core),
            "memory" | "storage" | "ephemeral-storage" => Some(ResourceUnit::Byte),
            "pods" => Some(ResourceUnit::Integer),
            _ if resource.starts_with("hugepages-") => Some(ResourceUnit::Byte),
            _ if resource.starts_with("attachable-volumes-") => Some(ResourceUnit::Byte),
            _ if is_extended_resource(resource) => Some(ResourceUnit::Integer),
            _ => None,
        }
    }
}

/// Extended resources have a domain prefix outside `kubernetes.io`
/// (`nvidia.com/gpu`), as Kubernetes' `IsExtendedResourceName` says.
fn is_extended_resource(name: &str) -> bool {
    match name.split_once('/') {
        Some((domain, _)) => {
            let native = domain == "kubernetes.io" || domain.ends_with(".kubernetes.io");
            !(native || name.starts_with("requests."))
        }
        None => false,
    }
}

/// One entry of a resource list, ready to serve.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    /// The resource name sanitized for a label value (`nvidia_com_gpu`).
    pub resource: Str,
    pub unit: ResourceUnit,
    pub value: f64,
}

// Equal and hashed by value so that containers can be shared (see
// `Shared`). A NaN (never equal to itself) or a -0 (equal to 0, hashed
// apart) only means a container kept twice.
impl Eq for Quantity {}

impl std::hash::Hash for Quantity {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.resource.hash(state);
        self.unit.hash(state);
        self.value.to_bits().hash(state);
    }
}

/// A `ResourceList` (requests, limits, capacity, allocatable, overhead).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResourceList(pub Box<[Quantity]>);

impl ResourceList {
    pub fn get(&self, resource: &str) -> Option<f64> {
        self.0
            .iter()
            .find(|q| &*q.resource == resource)
            .map(|q| q.value)
    }
}

impl<'de> Deserialize<'de> for ResourceList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw =
            Option::<BTreeMap<String, String>>::deserialize(deserializer)?.unwrap_or_default();
        let mut list = Vec::with_capacity(raw.len());
        for (name, text) in raw {
            let Some(unit) = ResourceUnit::of(&name) else {
                continue;
            };
            let parsed = parse_quantity(&text)
                .ok_or_else(|| D::Error::custom(format!("invalid quantity {text:?} for {name}")))?;
            let value = match unit {
                ResourceUnit::Core => parsed.milli_value() / 1000.0,
                _ => parsed.value(),
            };
            list.push(Quantity {
                resource: Str::new(&sanitize_label_value(&name)),
                unit,
                value,
            });
        }
        Ok(ResourceList(list.into_boxed_slice()))
    }
}

// ---------------------------------------------------------------- storage and quota
// Shapes the storage and quota kinds read: one storage quantity, and
// resource lists served under their API names.

/// `Value()` of a quantity: bytes of a `storage` request or capacity.
/// Absent stays `None` (the family then has no series).
pub(crate) fn deserialize_bytes<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<f64>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let parsed = parse_quantity(&text)
        .ok_or_else(|| D::Error::custom(format!("invalid quantity {text:?}")))?;
    Ok(Some(parsed.value()))
}

/// A resource list kept under the API's own names (`requests.cpu`,
/// `count/pods`), as `kube_resourcequota` serves it: every entry, whatever
/// the name, at milli precision (`1500m` is 1.5, `1Gi` is 1073741824).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NamedQuantities(pub Box<[(Str, f64)]>);

impl<'de> Deserialize<'de> for NamedQuantities {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw =
            Option::<BTreeMap<String, String>>::deserialize(deserializer)?.unwrap_or_default();
        let mut list = Vec::with_capacity(raw.len());
        for (name, text) in raw {
            let parsed = parse_quantity(&text)
                .ok_or_else(|| D::Error::custom(format!("invalid quantity {text:?} for {name}")))?;
            list.push((Str::new(&name), parsed.metric_value()));
        }
        Ok(NamedQuantities(list.into_boxed_slice()))
    }
}

/// Replaces every character outside `[a-zA-Z0-9_]` with `_`, as
/// kube-state-metrics does for resource names in the `resource` label.
pub(crate) fn sanitize_label_value(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A quantity as `mantissa × 10^exp10 × 1024^pow1024`, kept exact.
#[derive(Debug, PartialEq)]
pub(crate) struct Parsed {
    mantissa: i128,
    exp10: i32,
    pow1024: u32,
}

impl Parsed {
    /// `Value()`: the quantity rounded up to a whole number.
    pub(crate) fn value(&self) -> f64 {
        self.ceil_scaled(0)
    }

    /// `MilliValue()`: the quantity in thousandths, rounded up.
    pub(crate) fn milli_value(&self) -> f64 {
        self.ceil_scaled(3)
    }

    /// `AsApproximateFloat64()`: the quantity as a float, unrounded.
    pub(crate) fn approximate(&self) -> f64 {
        self.mantissa as f64 * 1024f64.powi(self.pow1024 as i32) * 10f64.powi(self.exp10)
    }

    /// kube-state-metrics' `convertValueToFloat64` (HPA metric targets,
    /// quota amounts): `MilliValue()/1000`, or `Value()` where thousandths
    /// would overflow an int64.
    pub(crate) fn metric_value(&self) -> f64 {
        /// Kubernetes' `resource.MaxMilliValue`: `math.MaxInt64 / 1000`.
        const MAX_MILLI_VALUE: f64 = 9_223_372_036_854_775.0;
        let value = self.value();
        if value > MAX_MILLI_VALUE {
            value
        } else {
            self.milli_value() / 1000.0
        }
    }

    /// The quantity times 10^scale, rounded up; falls back to floating point
    /// for values beyond 128-bit integers.
    fn ceil_scaled(&self, scale: i32) -> f64 {
        let exact = || -> Option<i128> {
            let n = self
                .mantissa
                .checked_mul(1024i128.checked_pow(self.pow1024)?)?;
            let e = self.exp10 + scale;
            if e >= 0 {
                n.checked_mul(10i128.checked_pow(e as u32)?)
            } else {
                match 10i128.checked_pow(e.unsigned_abs()) {
                    Some(d) => Some(n.div_euclid(d) + i128::from(n.rem_euclid(d) != 0)),
                    // Smaller than any unit: rounds up to 1 if positive.
                    None => Some(i128::from(n > 0)),
                }
            }
        };
        match exact() {
            Some(v) => v as f64,
            None => {
                let v = self.mantissa as f64
                    * 1024f64.powi(self.pow1024 as i32)
                    * 10f64.powi(self.exp10 + scale);
                v.ceil()
            }
        }
    }
}

/// Parses Kubernetes' quantity grammar: a signed decimal number and an
/// optional binary (`Ki`…`Ei`), decimal (`n`…`E`) or exponent (`e3`) suffix.
pub(crate) fn parse_quantity(text: &str) -> Option<Parsed> {
    let text = text.trim();
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let number_len = unsigned
        .bytes()
        .take_while(|c| c.is_ascii_digit() || *c == b'.')
        .count();
    let (number, suffix) = unsigned.split_at(number_len);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    let mut mantissa: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    if negative {
        mantissa = -mantissa;
    }
    let mut exp10 = -(fraction.len() as i32);
    let mut pow1024 = 0;
    match suffix {
        "" => {}
        "Ki" => pow1024 = 1,
        "Mi" => pow1024 = 2,
        "Gi" => pow1024 = 3,
        "Ti" => pow1024 = 4,
        "Pi" => pow1024 = 5,
        "Ei" => pow1024 = 6,
        "n" => exp10 -= 9,
        "u" => exp10 -= 6,
        "m" => exp10 -= 3,
        "k" => exp10 += 3,
        "M" => exp10 += 6,
        "G" => exp10 += 9,
        "T" => exp10 += 12,
        "P" => exp10 += 15,
        "E" => exp10 += 18,
        _ => {
            let exponent = suffix.strip_prefix(['e', 'E'])?;
            let exponent_digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if exponent_digits.is_empty() || !exponent_digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            exp10 += exponent.parse::<i32>().ok()?;
        }
    }
    Some(Parsed {
        mantissa,
        exp10,
        pow1024,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (quantity, Value(), MilliValue()) as Kubernetes' resource.Quantity
    /// computes them.
    const TABLE: &[(&str, f64, f64)] = &[
        ("0", 0.0, 0.0),
        ("1", 1.0, 1000.0),
        ("100m", 1.0, 100.0),
        ("250m", 1.0, 250.0),
        ("1500m", 2.0, 1500.0),
        ("0.1", 1.0, 100.0),
        ("1.5", 2.0, 1500.0),
        ("0.0005", 1.0, 1.0),
        ("1Ki", 1024.0, 1_024_000.0),
        ("500Mi", 524_288_000.0, 524_288_000_000.0),
        ("1Gi", 1_073_741_824.0, 1_073_741_824_000.0),
        ("16397312Ki", 16_790_847_488.0, 16_790_847_488_000.0),
        ("1e3", 1000.0, 1_000_000.0),
        ("1E3", 1000.0, 1_000_000.0),
        ("2.5e-3", 1.0, 3.0),
        ("1k", 1000.0, 1_000_000.0),
        ("129M", 129_000_000.0, 129_000_000_000.0),
        ("100n", 1.0, 1.0),
        ("1u", 1.0, 1.0),
        ("-1", -1.0, -1000.0),
        ("+5", 5.0, 5000.0),
        ("1m", 1.0, 1.0),
        ("0.5Ki", 512.0, 512_000.0),
        ("1.5Gi", 1_610_612_736.0, 1_610_612_736_000.0),
        ("2Ti", 2_199_023_255_552.0, 2_199_023_255_552_000.0),
        ("1.5e2", 150.0, 150_000.0),
        ("12E", 1.2e19, 1.2e22),
    ];

    #[test]
    fn quantities_round_like_kubernetes() {
        for &(text, value, milli) in TABLE {
            let parsed = parse_quantity(text).unwrap_or_else(|| panic!("{text} should parse"));
            assert_eq!(parsed.value(), value, "Value() of {text}");
            assert_eq!(parsed.milli_value(), milli, "MilliValue() of {text}");
        }
    }

    #[test]
    fn malformed_quantities_are_rejected() {
        for bad in ["", "abc", "1.2.3", "1Zi", "1e", "--1", "1 Gi"] {
            assert_eq!(parse_quantity(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn units_follow_the_resource_name() {
        assert_eq!(ResourceUnit::of("cpu"), Some(ResourceUnit::Core));
        assert_eq!(ResourceUnit::of("memory"), Some(ResourceUnit::Byte));
        assert_eq!(ResourceUnit::of("hugepages-2Mi"), Some(ResourceUnit::Byte));
        assert_eq!(ResourceUnit::of("pods"), Some(ResourceUnit::Integer));
        assert_eq!(
            ResourceUnit::of("nvidia.com/gpu"),
            Some(ResourceUnit::Integer)
        );
        assert_eq!(ResourceUnit::of("kubernetes.io/something"), None);
        assert_eq!(ResourceUnit::of("unknown"), None);
    }

    #[test]
    fn named_quantities_keep_api_names_at_milli_precision() {
        let list: NamedQuantities = serde_json::from_str(
            r#"{"requests.cpu":"1500m","requests.memory":"1Gi","count/pods":"10","limits.cpu":"0.0005"}"#,
        )
        .unwrap();
        let entries: Vec<_> = list.0.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        assert_eq!(
            entries,
            [
                ("count/pods", 10.0),
                ("limits.cpu", 0.001),
                ("requests.cpu", 1.5),
                ("requests.memory", 1_073_741_824.0),
            ]
        );
        // Beyond milli-units in an int64, the whole value is taken.
        let huge: NamedQuantities = serde_json::from_str(r#"{"storage":"10E"}"#).unwrap();
        assert_eq!(huge.0[0].1, 1e19);
        assert!(serde_json::from_str::<NamedQuantities>(r#"{"cpu":"lots"}"#).is_err());
    }

    #[test]
    fn a_resource_list_is_served_in_base_units() {
        let list: ResourceList = serde_json::from_str(
            r#"{"cpu":"250m","memory":"1Gi","nvidia.com/gpu":"2","bogus":"1"}"#,
        )
        .unwrap();
        let entries: Vec<_> = list
            .0
            .iter()
            .map(|q| (q.resource.as_str(), q.unit.label(), q.value))
            .collect();
        assert_eq!(
            entries,
            [
                ("cpu", "core", 0.25),
                ("memory", "byte", 1_073_741_824.0),
                ("nvidia_com_gpu", "integer", 2.0),
            ]
        );
    }
}
