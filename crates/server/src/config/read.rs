//! Reading one variable: its text into its value, or one line naming it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use super::{AdminCredentials, ConfigError, Secret, SecretUrl};

pub(super) fn database_url_var(url: String) -> Result<SecretUrl, ConfigError> {
    if url.starts_with("sqlite:") {
        return Ok(SecretUrl::from(url));
    }
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(ConfigError::new(
            "DATABASE_URL",
            "must be a sqlite:… or postgres://… URL",
        ));
    }
    url::Url::parse(&url)
        .map_err(|e| ConfigError::new("DATABASE_URL", format!("not a URL: {e}")))?;
    Ok(SecretUrl::from(url))
}

/// An optional URL variable whose scheme must be one of `schemes`.
pub(super) fn url_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
    schemes: &[&str],
) -> Result<Option<SecretUrl>, ConfigError> {
    let Some(raw) = get(var) else {
        return Ok(None);
    };
    let parsed =
        url::Url::parse(&raw).map_err(|e| ConfigError::new(var, format!("not a URL: {e}")))?;
    if !schemes.contains(&parsed.scheme()) {
        let allowed: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
        return Err(ConfigError::new(
            var,
            format!("must start with {}", allowed.join(" or ")),
        ));
    }
    Ok(Some(SecretUrl::from(raw)))
}

/// An optional whole number, at least 1; `of` says what it counts, for the error.
pub(super) fn whole_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
    of: &str,
) -> Result<Option<u64>, ConfigError> {
    let Some(raw) = get(var) else {
        return Ok(None);
    };
    match raw.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(ConfigError::new(
            var,
            format!("a whole number{of}, at least 1"),
        )),
    }
}

/// An optional count, at least 1.
pub(super) fn count_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<usize>, ConfigError> {
    Ok(whole_var(get, var, "")?.map(|n| usize::try_from(n).unwrap_or(usize::MAX)))
}

/// An optional variable of whole days, at least 1.
pub(super) fn days_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    Ok(whole_var(get, var, " of days")?.map(|days| Duration::from_secs(days * 24 * 3600)))
}

/// An optional variable of whole seconds, at least 1.
pub(super) fn secs_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    Ok(whole_var(get, var, " of seconds")?.map(Duration::from_secs))
}

/// An optional duration with its unit (`14d`, `12h`, `90min`), at least a minute.
pub(super) fn duration_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    let Some(raw) = get(var) else {
        return Ok(None);
    };
    match humantime::parse_duration(raw.trim()) {
        Ok(duration) if duration >= Duration::from_secs(60) => Ok(Some(duration)),
        _ => Err(ConfigError::new(
            var,
            "a duration with its unit, at least a minute: 14d, 12h, 90min",
        )),
    }
}

/// `REMINDER_INTERVAL_SECS`: whole seconds, 0 for off.
pub(super) fn reminders_every(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Option<Duration>, ConfigError> {
    let Some(raw) = get("REMINDER_INTERVAL_SECS") else {
        return Ok(super::Schedules::default().reminders_every);
    };
    let secs: u64 = raw.trim().parse().map_err(|_| {
        ConfigError::new(
            "REMINDER_INTERVAL_SECS",
            "a whole number of seconds (0 turns the reminder schedule off)",
        )
    })?;
    Ok((secs > 0).then(|| Duration::from_secs(secs)))
}

/// `ADMIN_EMAIL` and `ADMIN_PASSWORD`: the email needs the password; the password alone
/// is `create-staff`'s.
pub(super) fn admin_credentials(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Option<AdminCredentials>, ConfigError> {
    match (get("ADMIN_EMAIL"), get("ADMIN_PASSWORD")) {
        (Some(email), Some(password)) => Ok(Some(AdminCredentials {
            email,
            password: Secret::from(password),
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::new(
            "ADMIN_PASSWORD",
            "is required when ADMIN_EMAIL is set",
        )),
        // `create-staff`'s password, given without its email on the command line.
        (None, Some(_)) => Ok(None),
    }
}

/// `WEBHOOKS_RESOLVE`: `name=address` pairs, comma-separated; one name may be listed
/// with several addresses.
pub(super) fn resolve_var(
    get: impl Fn(&str) -> Option<String>,
) -> Result<HashMap<String, Vec<IpAddr>>, ConfigError> {
    let mut hosts: HashMap<String, Vec<IpAddr>> = HashMap::new();
    for pair in get("WEBHOOKS_RESOLVE").unwrap_or_default().split(',') {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let bad = || {
            ConfigError::new(
                "WEBHOOKS_RESOLVE",
                format!("`{pair}` is not name=address (like crm.internal=10.0.0.7)"),
            )
        };
        let (name, address) = pair.split_once('=').ok_or_else(bad)?;
        let name = name.trim().to_ascii_lowercase();
        let address: IpAddr = address.trim().parse().map_err(|_| bad())?;
        if name.is_empty() {
            return Err(bad());
        }
        hosts.entry(name).or_default().push(address);
    }
    Ok(hosts)
}
