//! Which Kubernetes labels and annotations leave the exporter, and under
//! which Prometheus label names.
//!
//! Objects are decoded with their whole label and annotation maps, then
//! pruned once before they are stored: only allowlisted keys survive,
//! already renamed to `label_<name>` / `annotation_<name>`. So the cache
//! never holds an annotation nobody asked for (they are often large and
//! unique: last-applied-configuration, checksums), and rendering copies
//! names and values as they are.

use super::{Resource, Str};
use std::collections::{BTreeMap, HashMap};

/// A string map of metadata (labels, annotations, nodeSelector) as decoded:
/// pairs sorted by key, not interned, because most of it is dropped.
pub type RawMap = Box<[(Box<str>, Box<str>)]>;

/// Allowlisted pairs renamed to Prometheus label names, sorted by the
/// Kubernetes key; `None` when the kind has no allowlist, so its
/// `kube_<kind>_labels` family has no series at all.
pub type Exposed<V> = Option<Box<[(Str, V)]>>;

/// The Kubernetes keys allowed for one kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keys {
    All,
    /// Exact keys and `*` globs (`app.kubernetes.io/*`).
    Listed(Vec<String>),
}

impl Keys {
    fn allows(&self, key: &str) -> bool {
        match self {
            Keys::All => true,
            Keys::Listed(patterns) => patterns.iter().any(|p| glob_matches(p, key)),
        }
    }
}

/// Annotations never served, even with `--metric-annotations-allowlist=pods=[*]`:
/// kubectl's copy of the last applied object can hold secrets (a Secret's
/// data, environment values), and is large. kube-state-metrics serves it
/// when allowlisted; kubestate never does.
pub const WITHHELD_ANNOTATIONS: &[&str] = &["kubectl.kubernetes.io/last-applied-configuration"];

/// `--metric-labels-allowlist` or `--metric-annotations-allowlist`, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allowlist {
    kinds: BTreeMap<Resource, Keys>,
}

/// Everything pruning needs to know, decided once at start-up.
#[derive(Clone, Debug, Default)]
pub struct Exposure {
    pub labels: Allowlist,
    pub annotations: Allowlist,
    /// `kube_pod_nodeselectors` is opted in; otherwise nodeSelectors are
    /// dropped like unlisted labels.
    pub node_selectors: bool,
}

impl Allowlist {
    /// Parses kube-state-metrics' syntax: `pods=[app,team],nodes=[*]`,
    /// `*` as the resource for every resource (it wins over the others),
    /// `*` inside a key as a glob. A name that is not a kind is an error,
    /// as there ("resource ... does not exist"). An empty key list
    /// (`pods=[]`) allows nothing, as there.
    pub fn parse(text: &str) -> Result<Allowlist, String> {
        let mut kinds: BTreeMap<Resource, Keys> = BTreeMap::new();
        let mut every: Option<Keys> = None;
        let mut rest = text.trim();
        while !rest.is_empty() {
            let (resource, after) = rest
                .split_once('=')
                .ok_or_else(|| format!("expected resource=[keys] at {rest:?}"))?;
            let resource = resource.trim();
            let list = after
                .trim_start()
                .strip_prefix('[')
                .ok_or_else(|| format!("expected [ after {resource:?}="))?;
            let (list, after) = list
                .split_once(']')
                .ok_or_else(|| format!("missing ] after {:?}", format!("{resource}=[{list}")))?;
            rest = after.trim_start();
            if !rest.is_empty() {
                rest = rest
                    .strip_prefix(',')
                    .ok_or_else(|| format!("expected , between resources at {rest:?}"))?
                    .trim_start();
                if rest.is_empty() {
                    return Err("trailing comma".into());
                }
            }
            if resource != "*"
                && (resource.is_empty() || !resource.bytes().all(|b| b.is_ascii_lowercase()))
            {
                return Err(format!("{resource:?} is not a resource name"));
            }
            let kind = Resource::from_plural(resource);
            if resource != "*" && kind.is_none() {
                return Err(format!(
                    "unknown resource {resource:?} (served: {})",
                    Resource::ALL
                        .iter()
                        .map(|r| r.plural())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let keys = parse_keys(list)?;
            if keys.is_empty() {
                continue;
            }
            let keys = if keys.iter().any(|k| k == "*") {
                Keys::All
            } else {
                Keys::Listed(keys)
            };
            if resource == "*" {
                every = Some(merge(every.take(), keys));
            } else if let Some(kind) = kind {
                let merged = merge(kinds.remove(&kind), keys);
                kinds.insert(kind, merged);
            }
        }
        if let Some(keys) = every {
            kinds = Resource::ALL.iter().map(|&r| (r, keys.clone())).collect();
        }
        Ok(Allowlist { kinds })
    }

    /// Everything of every kind (tests, and `*=[*]`).
    pub fn all() -> Allowlist {
        Allowlist {
            kinds: Resource::ALL.iter().map(|&r| (r, Keys::All)).collect(),
        }
    }

    /// The allowlisted pairs of `map` under Prometheus names `<prefix>_*`,
    /// less the `withheld` keys whatever the allowlist says, or `None` if
    /// the kind is not allowlisted.
    pub fn expose<V>(
        &self,
        resource: Resource,
        prefix: &str,
        map: &[(Box<str>, Box<str>)],
        withheld: &[&str],
        value: impl Fn(&str) -> V,
    ) -> Exposed<V> {
        let keys = self.kinds.get(&resource)?;
        let kept: Vec<(&str, &str)> = map
            .iter()
            .filter(|(k, _)| keys.allows(k) && !withheld.contains(&&**k))
            .map(|(k, v)| (&**k, &**v))
            .collect();
        Some(prometheus_pairs(prefix, &kept, value))
    }
}

fn parse_keys(list: &str) -> Result<Vec<String>, String> {
    if list.trim().is_empty() {
        return Ok(Vec::new());
    }
    list.split(',')
        .map(|key| {
            let key = key.trim();
            let valid = !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./*".contains(&b));
            if valid {
                Ok(key.to_owned())
            } else {
                Err(format!("{key:?} is not a label key"))
            }
        })
        .collect()
}

fn merge(old: Option<Keys>, new: Keys) -> Keys {
    match (old, new) {
        (Some(Keys::Listed(mut a)), Keys::Listed(b)) => {
            a.extend(b);
            Keys::Listed(a)
        }
        (_, Keys::All) | (Some(Keys::All), _) => Keys::All,
        (None, keys) => keys,
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Kubernetes keys (sorted) to Prometheus label names the way
/// kube-state-metrics does it: invalid characters become `_`, camelCase
/// becomes snake_case, and names that collide get `_conflict1`,
/// `_conflict2`, … in key order (the first one renamed too). A suffixed
/// name can be what another key sanitizes to (`x-y`, `x.y` and
/// `x_y_conflict1`), and Prometheus refuses a scrape whose series repeats a
/// label name, so a suffix is taken only when no name in use has it, and a
/// key whose name was handed out as a suffix collides like any other.
pub fn prometheus_pairs<V>(
    prefix: &str,
    sorted: &[(&str, &str)],
    value: impl Fn(&str) -> V,
) -> Box<[(Str, V)]> {
    let mut names: Vec<String> = Vec::with_capacity(sorted.len());
    // Each name given out, and which key has it.
    let mut used: HashMap<String, usize> = HashMap::new();
    // The last suffix given to each name that collided.
    let mut suffixes: HashMap<String, usize> = HashMap::new();
    for (key, _) in sorted {
        let base = format!("{prefix}_{}", snake_case(key));
        let name = if let Some(suffix) = suffixes.get_mut(&base) {
            next_free(&base, suffix, &used)
        } else if let Some(first) = used.remove(&base) {
            let mut suffix = 0;
            let renamed = next_free(&base, &mut suffix, &used);
            used.insert(renamed.clone(), first);
            names[first] = renamed;
            let name = next_free(&base, &mut suffix, &used);
            suffixes.insert(base, suffix);
            name
        } else {
            base
        };
        used.insert(name.clone(), names.len());
        names.push(name);
    }
    names
        .iter()
        .zip(sorted)
        .map(|(name, (_, v))| (Str::new(name), value(v)))
        .collect()
}

/// `<base>_conflict<n>` for the next `n` whose name is not in use.
fn next_free(base: &str, suffix: &mut usize, used: &HashMap<String, usize>) -> String {
    loop {
        *suffix += 1;
        let name = format!("{base}_conflict{suffix}");
        if !used.contains_key(&name) {
            return name;
        }
    }
}

/// Invalid label characters to `_`, then `aB` to `a_b` and lowercase.
fn snake_case(key: &str) -> String {
    let sanitized: Vec<char> = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut out = String::with_capacity(sanitized.len() + 4);
    for (i, &c) in sanitized.iter().enumerate() {
        let after_lower_or_digit =
            i > 0 && (sanitized[i - 1].is_ascii_lowercase() || sanitized[i - 1].is_ascii_digit());
        if c.is_ascii_uppercase() && after_lower_or_digit {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawMap {
        let mut v: Vec<(Box<str>, Box<str>)> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        v.sort();
        v.into()
    }

    fn names(exposed: &Exposed<Str>) -> Vec<(String, String)> {
        exposed
            .as_deref()
            .expect("allowlisted")
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn valid_forms_parse() {
        let list = Allowlist::parse("pods=[app,team], nodes=[*],services=[]").unwrap();
        assert_eq!(
            list.kinds.get(&Resource::Pods),
            Some(&Keys::Listed(vec!["app".into(), "team".into()]))
        );
        assert_eq!(list.kinds.get(&Resource::Nodes), Some(&Keys::All));
        assert_eq!(list.kinds.get(&Resource::Services), None);
        assert_eq!(Allowlist::parse("").unwrap(), Allowlist::default());
        assert_eq!(Allowlist::parse("*=[*]").unwrap(), Allowlist::all());
        // `*` for the resource wins over the named ones.
        let every = Allowlist::parse("pods=[a],*=[b]").unwrap();
        assert_eq!(
            every.kinds.get(&Resource::Pods),
            Some(&Keys::Listed(vec!["b".into()]))
        );
        assert_eq!(every.kinds.len(), Resource::ALL.len());
    }

    #[test]
    fn malformed_forms_say_why() {
        for (text, want) in [
            ("pods", "expected resource=[keys]"),
            ("pods=app", "expected [ after"),
            ("pods=[app", "missing ]"),
            ("pods=[app]nodes=[*]", "expected , between resources"),
            ("pods=[app],", "trailing comma"),
            ("pods=[app,,team]", "\"\" is not a label key"),
            ("pods=[a b]", "\"a b\" is not a label key"),
            ("Pods=[app]", "\"Pods\" is not a resource name"),
            ("=[app]", "\"\" is not a resource name"),
            ("pod=[app]", "unknown resource \"pod\" (served: "),
        ] {
            let err = Allowlist::parse(text).expect_err(text);
            assert!(err.starts_with(want), "{text:?}: {err:?}");
        }
    }

    #[test]
    fn names_are_sanitized_snake_cased_and_deconflicted() {
        let map = raw(&[
            ("app.kubernetes.io/name", "web"),
            ("app_kubernetes_io/name", "x"),
            ("app-kubernetes-io/name", "y"),
            ("teamName", "shop"),
            ("ignored", "z"),
        ]);
        let list = Allowlist::parse("pods=[app*,teamName]").unwrap();
        assert_eq!(
            names(&list.expose(Resource::Pods, "label", &map, &[], Str::new)),
            [
                // Sorted by the Kubernetes key: '-' < '.' < '_'.
                ("label_app_kubernetes_io_name_conflict1".into(), "y".into()),
                (
                    "label_app_kubernetes_io_name_conflict2".into(),
                    "web".into()
                ),
                ("label_app_kubernetes_io_name_conflict3".into(), "x".into()),
                ("label_team_name".into(), "shop".into()),
            ]
        );
        assert_eq!(
            list.expose(Resource::Nodes, "label", &map, &[], Str::new),
            None
        );
    }

    #[test]
    fn a_conflict_suffix_never_repeats_a_name_another_key_has() {
        // Sorted: '-' < '.' < '_'. `x-y` and `x.y` collide on label_x_y and
        // become _conflict1 and _conflict2; `x_y_conflict1` then collides
        // with the first, which kube-state-metrics renames again.
        let map = raw(&[("x-y", "1"), ("x.y", "2"), ("x_y_conflict1", "3")]);
        let list = Allowlist::parse("pods=[*]").unwrap();
        assert_eq!(
            names(&list.expose(Resource::Pods, "label", &map, &[], Str::new)),
            [
                ("label_x_y_conflict1_conflict1".into(), "1".into()),
                ("label_x_y_conflict2".into(), "2".into()),
                ("label_x_y_conflict1_conflict2".into(), "3".into()),
            ]
        );
    }

    #[test]
    fn an_allowlisted_kind_without_matching_keys_exposes_nothing_but_exists() {
        let list = Allowlist::parse("pods=[team]").unwrap();
        let exposed = list.expose(
            Resource::Pods,
            "label",
            &raw(&[("app", "web")]),
            &[],
            Str::new,
        );
        assert_eq!(exposed.as_deref().map(<[_]>::len), Some(0));
    }

    #[test]
    fn globs_match_anywhere() {
        assert!(glob_matches("foo-*", "foo-bar"));
        assert!(glob_matches("foo-*", "foo-"));
        assert!(!glob_matches("foo-*", "xfoo-bar"));
        assert!(glob_matches("*-bar", "foo-bar"));
        assert!(glob_matches("a*c*e", "abcde"));
        assert!(!glob_matches("a*c*e", "abcd"));
        assert!(glob_matches("exact", "exact"));
        assert!(!glob_matches("exact", "exactly"));
    }

    #[test]
    fn snake_case_follows_kube_state_metrics() {
        assert_eq!(snake_case("camelCase"), "camel_case");
        assert_eq!(snake_case("HTTPServer"), "httpserver");
        assert_eq!(snake_case("k8s.io/appVersion"), "k8s_io_app_version");
        assert_eq!(snake_case("v2Beta"), "v2_beta");
        assert_eq!(snake_case("ünïcode"), "_n_code");
    }
}
