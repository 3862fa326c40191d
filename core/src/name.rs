//! The name scheme: how construct ids and paths become object names.
//!
//! * A construct **id** must be a DNS-1035 label: lowercase letters, digits and `-`, starting with a
//!   letter, ending with a letter or digit, at most 63 characters. Invalid ids are reported at synth,
//!   never panicked on.
//! * An object **name** is derived from the ids below the scope that owns the name (for Kubernetes:
//!   below the namespace), joined with `-`: construct `api` in namespace `hello` is named `api`; a
//!   construct `migrate` inside `api` is named `api-migrate`.
//! * When the joined name is longer than the limit of its kind, it is cut and given a stable suffix:
//!   `-` and eight hex digits of the FNV-1a hash of the full, uncut name. The same path gives the same
//!   name on every run and every machine, and two long paths that share a prefix do not collide.
//!
//! ```
//! use girder_core::name::derive;
//! assert_eq!(derive(&["api", "migrate"], 63), "api-migrate");
//! let long = derive(&["a".repeat(60).as_str(), "worker"], 63);
//! assert_eq!(long.len(), 63);
//! assert!(girder_core::name::is_dns1123_label(&long));
//! ```

/// The longest DNS-1123 label (most Kubernetes names, Service names, label values).
pub const MAX_LABEL: usize = 63;

/// Whether `s` is a DNS-1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, 1 to 63 characters.
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_LABEL
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Whether `s` is a DNS-1035 label: a DNS-1123 label that starts with a letter.
pub fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.as_bytes()[0].is_ascii_lowercase()
}

/// Whether `s` is a DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

/// Why an id is not valid, or `None` when it is.
pub fn check_id(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        Some("it is empty")
    } else if id.len() > MAX_LABEL {
        Some("it is longer than 63 characters")
    } else if !id
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    {
        Some("it may only contain lowercase letters, digits and '-'")
    } else if !id.as_bytes()[0].is_ascii_lowercase() {
        Some("it must start with a lowercase letter")
    } else if id.ends_with('-') {
        Some("it must not end with '-'")
    } else {
        None
    }
}

/// The initial state of [`fnv1a`].
pub const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// The 64-bit FNV-1a hash of `bytes`: tiny, stable across platforms and releases.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_continue(FNV1A_START, bytes)
}

/// Continues an FNV-1a hash whose state is `hash` with `bytes`: `fnv1a(a ++ b)` is
/// `fnv1a_continue(fnv1a(a), b)`, so a shared prefix is hashed once.
pub fn fnv1a_continue(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The bytes of `parts` joined with `-`, without joining them.
fn joined<'a>(parts: &'a [&'a str]) -> impl Iterator<Item = u8> + 'a {
    parts.iter().enumerate().flat_map(|(i, part)| {
        let separator: &[u8] = if i == 0 { b"" } else { b"-" };
        separator.iter().chain(part.as_bytes()).copied()
    })
}

/// Whether `parts` joined with `-` are non-empty lowercase letters, digits and `-`, with no `-`
/// first, last or next to another: what [`derive`] would leave as it is.
fn is_clean_join(parts: &[&str]) -> bool {
    let mut previous = b'-';
    for b in joined(parts) {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => {}
            b'-' if previous != b'-' => {}
            _ => return false,
        }
        previous = b;
    }
    previous != b'-'
}

/// Derives a DNS-1123 label of at most `max` characters (`max` ≥ 10) from `parts`.
///
/// See the [module docs](self) for the scheme.
pub fn derive(parts: &[&str], max: usize) -> String {
    let max = max.clamp(10, MAX_LABEL);
    let joined_len = parts
        .iter()
        .map(|p| p.len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    // Most names are clean already (lowercase letters, digits, single inner `-`): joined as
    // they are, without the hash.
    if joined_len <= max && is_clean_join(parts) {
        let mut out = String::with_capacity(joined_len);
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                out.push('-');
            }
            out.push_str(part);
        }
        return out;
    }
    // Room for the hash suffix too: the one allocation of a name that needs it.
    let mut out = String::with_capacity(joined_len.min(max) + 9);
    // The hash of the parts joined with `-`, and whether `out` differs from that join.
    let mut hash = FNV1A_START;
    let mut changed = false;
    for b in joined(parts) {
        hash = fnv1a_continue(hash, &[b]);
        // Every byte of a non-ASCII character becomes `-`, and runs of `-` collapse: one `-` per
        // character, as for any other character that is not a letter or digit.
        let c = match b.to_ascii_lowercase() {
            c @ (b'a'..=b'z' | b'0'..=b'9') => c,
            _ => b'-',
        };
        changed |= c != b;
        if c == b'-' && (out.is_empty() || out.ends_with('-')) {
            changed = true;
            continue;
        }
        out.push(char::from(c));
    }
    while out.ends_with('-') {
        out.pop();
        changed = true;
    }
    if out.is_empty() {
        out.push('x');
        changed = true;
    }
    if out.len() <= max && !changed {
        return out;
    }
    if out.len() + 9 > max {
        out.truncate(max - 9);
        while out.ends_with('-') {
            out.pop();
        }
    }
    // Sanitised or cut: readable, and unique to the original spelling by the hash.
    use std::fmt::Write;
    let _ = write!(out, "-{:08x}", hash as u32);
    out
}

/// What Kubernetes or AWS appends to a name Girder gives it, and the limit of the result: a name
/// that leaves no room for it is valid when written and fails when deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suffix {
    /// What is appended, as it reads in a message (e.g. `-<10-digit schedule time>`).
    pub shape: &'static str,
    /// Its length, `-` included.
    pub len: usize,
    /// Who appends it, and to make what (e.g. `Kubernetes, for each run's Job`).
    pub by: &'static str,
    /// The longest the result may be.
    pub limit: usize,
}

impl Suffix {
    /// The longest name that leaves room for the suffix.
    pub const fn room(&self) -> usize {
        self.limit.saturating_sub(self.len)
    }

    /// When `name`, derived from the id the user wrote (the last segment of `path`), leaves no
    /// room for the suffix: the error, reported at `path` against that id, with the limit and the
    /// suffix that overflowed. Such a name is reported rather than cut: a cut name would no
    /// longer be the id the user reads in `kubectl get`, and two cut ids could collide.
    pub fn check(&self, path: &str, kind: &str, name: &str) -> Option<crate::Diagnostic> {
        if name.len() <= self.room() {
            return None;
        }
        let id = path.rsplit('/').next().unwrap_or(path);
        let named = if name == id {
            String::new()
        } else {
            format!(" (its {kind} is named `{name}`)")
        };
        Some(
            crate::Diagnostic::error(
                path,
                format!(
                    "id `{id}` is too long for a {kind}{named}: {} appends `{}` to the name, and the result may have at most {} characters",
                    self.by, self.shape, self.limit
                ),
            )
            .hint(format!(
                "shorten the id: a {kind} name has at most {} characters ({} minus {} for `{}`), and this one has {}",
                self.room(),
                self.limit,
                self.len,
                self.shape,
                name.len()
            )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_joined() {
        assert_eq!(derive(&["api"], 63), "api");
        assert_eq!(derive(&["api", "db"], 63), "api-db");
    }

    #[test]
    fn long_names_are_cut_with_a_stable_hash() {
        let a = derive(&[&"x".repeat(70)], 63);
        let b = derive(&[&format!("{}y", "x".repeat(69))], 63);
        assert_eq!(a.len(), 63);
        assert_ne!(a, b);
        assert_eq!(a, derive(&[&"x".repeat(70)], 63));
        assert!(is_dns1123_label(&a) && is_dns1123_label(&b));
        assert_eq!(
            a,
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-9147a8dd"
        );
    }

    #[test]
    fn invalid_characters_are_replaced_and_disambiguated() {
        let a = derive(&["My_App"], 63);
        let b = derive(&["my.app"], 63);
        assert!(is_dns1123_label(&a), "{a}");
        assert_ne!(a, b);
        assert!(a.starts_with("my-app-"));
        assert_eq!(derive(&["--"], 20).len(), 10);
        // A character of several bytes is one `-`, like any other that is not a letter or digit.
        let accented = derive(&["café", "bar"], 63);
        assert_eq!(accented.len(), "caf-bar-".len() + 8, "{accented}");
        assert!(accented.starts_with("caf-bar-"), "{accented}");
        assert_eq!(accented, derive(&["café", "bar"], 63));
    }

    #[test]
    fn ids_are_checked() {
        assert_eq!(check_id("api"), None);
        assert_eq!(check_id("api-2"), None);
        assert!(check_id("").is_some());
        assert!(check_id("Api").is_some());
        assert!(check_id("2api").is_some());
        assert!(check_id("api-").is_some());
        assert!(check_id("a_b").is_some());
        assert!(check_id(&"a".repeat(64)).is_some());
    }

    #[test]
    fn labels_and_subdomains() {
        assert!(is_dns1123_label("a-1"));
        assert!(!is_dns1123_label("-a"));
        assert!(is_dns1035_label("a1"));
        assert!(!is_dns1035_label("1a"));
        assert!(is_dns1123_subdomain("api.example.com"));
        assert!(!is_dns1123_subdomain("api..example.com"));
    }

    #[test]
    fn a_name_without_room_for_its_suffix_is_reported_against_the_id() {
        let run = Suffix {
            shape: "-<10-digit schedule time>",
            len: 11,
            by: "Kubernetes, for each run's Job,",
            limit: 63,
        };
        assert_eq!(run.room(), 52);
        let fits = "r".repeat(52);
        assert!(
            run.check(&format!("prod/ops/{fits}"), "CronJob", &fits)
                .is_none()
        );
        let long = "r".repeat(53);
        let error = run
            .check(&format!("prod/ops/{long}"), "CronJob", &long)
            .expect("too long")
            .to_string();
        assert!(
            error.contains(&format!("id `{long}` is too long for a CronJob:")),
            "{error}"
        );
        assert!(error.contains("at most 63 characters"), "{error}");
        assert!(error.contains("-<10-digit schedule time>"), "{error}");
        assert!(error.contains(&format!("--> prod/ops/{long}")), "{error}");
        assert!(error.contains("at most 52 characters"), "{error}");
    }
}
