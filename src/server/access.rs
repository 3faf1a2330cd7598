//! Basic authentication and the configured response headers, applied to
//! every request of both servers before it is routed, as the toolkit's
//! handler wraps kube-state-metrics' muxes.

use super::web_config::WebConfig;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode, header};
use base64::Engine;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Results of bcrypt checks kept, so a scrape every few seconds costs one
/// hash comparison, not one each time; cleared when full.
const CACHE_LIMIT: usize = 1024;
/// Client addresses whose refusal was logged; cleared when full.
const LOGGED_LIMIT: usize = 4096;

pub struct Access {
    headers: Vec<(HeaderName, HeaderValue)>,
    /// User name to bcrypt hash; empty means no authentication.
    users: HashMap<String, String>,
    /// SHA-256 of (user, hash, password) to whether they matched: the
    /// password itself is never kept.
    checked: Mutex<HashMap<[u8; 32], bool>>,
    /// bcrypt is CPU-heavy: one check at a time, as the toolkit does.
    bcrypt: Arc<tokio::sync::Mutex<()>>,
    logged: Mutex<HashSet<IpAddr>>,
}

/// `rate_limit` of one server (the toolkit gives each server its own):
/// the bucket starts anew, full, when the configured limit changes.
#[derive(Default)]
pub struct RateLimiter {
    bucket: Mutex<Option<Bucket>>,
}

impl RateLimiter {
    /// Whether `limit` (a token every interval, at most burst) lets one
    /// more request through now; `None` lets everything through.
    pub fn allow(&self, limit: Option<(Duration, u64)>) -> bool {
        let Some((interval, burst)) = limit else {
            return true;
        };
        let now = Instant::now();
        let mut bucket = lock(&self.bucket);
        let bucket = match &mut *bucket {
            Some(b) if b.interval == interval && b.burst == burst as f64 => b,
            other => other.insert(Bucket {
                interval,
                burst: burst as f64,
                tokens: burst as f64,
                at: now,
            }),
        };
        bucket.take(now)
    }
}

/// `rate_limit`, as Go's `rate.Limiter`: tokens accrue one per `interval`
/// up to `burst`; a request takes one.
struct Bucket {
    interval: Duration,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn take(&mut self, now: Instant) -> bool {
        let accrued = now.duration_since(self.at).as_secs_f64() / self.interval.as_secs_f64();
        self.tokens = (self.tokens + accrued).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Why a request was refused, for the log (never the credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Wrong,
}

impl Access {
    pub fn new(config: &WebConfig) -> Access {
        Access {
            headers: config
                .http_server_config
                .headers
                .iter()
                // Both were checked when the file was parsed.
                .filter_map(|(name, value)| {
                    Some((
                        HeaderName::try_from(name.as_str()).ok()?,
                        HeaderValue::try_from(value.as_str()).ok()?,
                    ))
                })
                .collect(),
            users: config
                .basic_auth_users
                .iter()
                .map(|(user, hash)| (user.clone(), hash.clone()))
                .collect(),
            checked: Mutex::default(),
            bcrypt: Arc::default(),
            logged: Mutex::default(),
        }
    }

    /// `Ok` when the request may pass; else the 401 to answer.
    pub async fn authorize<B>(
        &self,
        request: &Request<B>,
        client: IpAddr,
    ) -> Result<(), Response<Body>> {
        if self.users.is_empty() {
            return Ok(());
        }
        let refusal = match credentials(request) {
            None => Refusal::Missing,
            Some((user, password)) => {
                if self.check(&user, &password).await {
                    return Ok(());
                }
                Refusal::Wrong
            }
        };
        self.log_once(client, refusal);
        let mut response = Response::new(Body::from("Unauthorized\n"));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        Err(response)
    }

    async fn check(&self, user: &str, password: &str) -> bool {
        let known = self.users.get(user);
        // An unknown user is checked against a hash too, so that timing
        // does not tell which user names exist.
        let hash = known.cloned().unwrap_or_else(|| decoy_hash().to_string());
        let key = cache_key(user, &hash, password);
        if let Some(&ok) = lock(&self.checked).get(&key) {
            return ok && known.is_some();
        }
        let guard = self.bcrypt.clone().lock_owned().await;
        let password = password.to_string();
        let matched = tokio::task::spawn_blocking(move || {
            let _one_at_a_time = guard;
            bcrypt::verify(password, &hash).unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        let mut checked = lock(&self.checked);
        if checked.len() >= CACHE_LIMIT {
            checked.clear();
        }
        checked.insert(key, matched);
        matched && known.is_some()
    }

    fn log_once(&self, client: IpAddr, refusal: Refusal) {
        let mut logged = lock(&self.logged);
        if logged.len() >= LOGGED_LIMIT {
            logged.clear();
        }
        if logged.insert(client) {
            let reason = match refusal {
                Refusal::Missing => "no basic auth credentials",
                Refusal::Wrong => "wrong user name or password",
            };
            tracing::warn!(%client, "refused with 401: {reason} (logged once per client address)");
        }
    }

    /// Sets the configured headers on a response.
    pub fn decorate(&self, response: &mut Response<Body>) {
        for (name, value) in &self.headers {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The user and password of an `Authorization: Basic` header.
fn credentials<B>(request: &Request<B>) -> Option<(String, String)> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

fn cache_key(user: &str, hash: &str, password: &str) -> [u8; 32] {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [user, hash, password] {
        // Length-prefixed, so no two different triples hash alike.
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part.as_bytes());
    }
    let mut key = [0; 32];
    key.copy_from_slice(context.finish().as_ref());
    key
}

/// A hash of a random password, made once, that no password matches.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let mut random = [0u8; 16];
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random);
        bcrypt::hash(random, 10).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(authorization: Option<&str>) -> Request<()> {
        let mut builder = Request::get("/metrics");
        if let Some(value) = authorization {
            builder = builder.header(header::AUTHORIZATION, value);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn the_bucket_holds_burst_tokens_and_refills_one_per_interval() {
        let start = Instant::now();
        let mut bucket = Bucket {
            interval: Duration::from_secs(1),
            burst: 2.0,
            tokens: 2.0,
            at: start,
        };
        assert!(bucket.take(start));
        assert!(bucket.take(start));
        assert!(!bucket.take(start));
        assert!(!bucket.take(start + Duration::from_millis(500)));
        assert!(bucket.take(start + Duration::from_millis(1000)));
        // Never more than the burst, however long it waited.
        let later = start + Duration::from_secs(60);
        assert!(bucket.take(later) && bucket.take(later) && !bucket.take(later));
    }

    #[test]
    fn basic_credentials_are_decoded() {
        // "alice:open sesame" in base64, written out by hand.
        let r = request(Some("Basic YWxpY2U6b3BlbiBzZXNhbWU="));
        assert_eq!(
            credentials(&r),
            Some(("alice".to_string(), "open sesame".to_string()))
        );
        assert_eq!(credentials(&request(Some("Bearer abc"))), None);
        assert_eq!(credentials(&request(None)), None);
    }
}
