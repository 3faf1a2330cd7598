//! metadata.resourceVersion as a number, for the kinds whose families
//! serve `kube_<kind>_metadata_resource_version`.

use serde::{Deserialize, Deserializer};

/// What Go's `strconv.ParseFloat` makes of a resourceVersion (in practice
/// a decimal integer); `None` when absent or not a number, and then
/// kube-state-metrics serves no series.
pub(crate) fn deserialize_resource_version<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<f64>, D::Error> {
    let text = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    Ok(text.filter(|t| !t.is_empty()).and_then(|t| t.parse().ok()))
}
