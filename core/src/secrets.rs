//! Secrets in the output: whether a name or a string looks like it holds a secret, and the
//! allowances a program declares for values that only look like one.
//!
//! A secret belongs in a secret store and reaches a workload or a resource through a reference
//! (a Kubernetes `secretKeyRef`, a CloudFormation dynamic reference `{{resolve:…}}`): a secret
//! written into the output lands in version control and in every copy of it. This module knows
//! no target. Each target crate walks its final objects, as they are written, and asks
//! [`check_named`], [`check_value`] and [`check_command`] about their strings; synthesis hands
//! what they find to [`settle`], which reports every [`Finding`] that no
//! [`App::allow_secret_like`] allows as an error — naming the field, never the value. `girder
//! diff` hides values by the same rules ([`hides_value_of`], [`check_text`], [`redact_command`]).
//!
//! The rules, in the order they are tried:
//!
//! - **a name that says "secret"** ([`secret_word`]) — `password`, `passwd`, `pass`, `pwd`,
//!   `secret`, `token`, `credential`, an API, access, private, signing or client key — with a
//!   literal value. Names that say the value is *about* a secret (`secretName`, `TOKEN_TTL`,
//!   `PASSWORD_FILE`, `KmsKeyId`) do not count, nor do references (`${VAR}`, `$(VAR)`,
//!   `{{resolve:…}}`), booleans and empty values;
//! - **a URL with a password**: `scheme://user:password@host`;
//! - **a known key format**: AWS access key IDs (`AKIA…`, `ASIA…`), PEM private keys, GitHub,
//!   GitLab, Slack, Stripe, Google, npm, OpenAI and Anthropic tokens, JSON Web Tokens, Slack
//!   webhooks;
//! - **a random-looking token**: a run of at least 24 base64 characters that mixes upper case,
//!   lower case and digits, with a Shannon entropy near that of random text of its length. Hex
//!   strings (digests, checksums, name suffixes), words joined in camel case with a hash suffix
//!   (logical IDs), and base64 that decodes to text (encoded configuration) do not count: a hex
//!   secret is only caught by its name.
//!
//! ```
//! use girder_core::secrets::{check_named, check_value, Suspicion};
//!
//! assert_eq!(check_named("DB_PASSWORD", "hunter2"), Some(Suspicion::Name("password")));
//! assert_eq!(check_named("DB_PASSWORD", "$(DB_PASSWORD_FROM_SECRET)"), None);
//! assert_eq!(check_named("PASSWORD_FILE", "/run/secrets/db"), None);
//! assert_eq!(check_value("postgres://app:hunter2@db:5432/app"), Some(Suspicion::UrlPassword));
//! assert_eq!(check_value("ghcr.io/acme/api@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"), None);
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use crate::diag::{Diagnostic, Diagnostics};
use crate::tree::{App, Construct, Handle, NodeId, Path};

/// Why a value looks like a secret. It never carries the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Suspicion {
    /// Its name (a key, a variable, a flag) contains this word, and its value is a literal.
    Name(&'static str),
    /// A URL with a password: `scheme://user:password@host`.
    UrlPassword,
    /// It contains a known key or token format, e.g. `an AWS access key ID`.
    Format(&'static str),
    /// It contains a random-looking token of this many characters.
    Random(usize),
    /// Where it is says it is a secret, e.g. the data of a Kubernetes `Secret`: the target's
    /// explanation.
    Place(&'static str),
}

impl fmt::Display for Suspicion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Suspicion::Name(word) => {
                write!(f, "its name contains `{word}` and its value is a literal")
            }
            Suspicion::UrlPassword => f.write_str("it is a URL with a password in it"),
            Suspicion::Format(format) => write!(f, "it contains {format}"),
            Suspicion::Random(len) => {
                write!(f, "it contains a random-looking token of {len} characters")
            }
            Suspicion::Place(place) => f.write_str(place),
        }
    }
}

/// A value of a final object that looks like a secret, as a target found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The object, e.g. `Deployment web/api` or `AWS::SSM::Parameter DbPassword`.
    pub object: String,
    /// Where the value is in the object, e.g.
    /// `spec.template.spec.containers[0].env[name=DB_PASSWORD].value`.
    pub field: String,
    /// The name that made the value look like a secret (a key, a variable, a flag), when there
    /// is one: an allowance may name it instead of the field.
    pub name: Option<String>,
    /// Why it looks like a secret.
    pub suspicion: Suspicion,
    /// What the target offers instead, e.g. "read it from a Secret: …".
    pub hint: &'static str,
}

/// Words that, in a name, say that its value is *about* a secret rather than the secret
/// itself: `secretName`, `secretKeyRef`, `TOKEN_TTL`, `PASSWORD_FILE`, `KmsKeyId`.
const ABOUT_A_SECRET: &[&str] = &[
    "name",
    "names",
    "ref",
    "refs",
    "reference",
    "arn",
    "arns",
    "id",
    "ids",
    "file",
    "files",
    "path",
    "dir",
    "url",
    "uri",
    "endpoint",
    "host",
    "port",
    "ttl",
    "length",
    "size",
    "expiry",
    "expires",
    "expiration",
    "lifetime",
    "timeout",
    "duration",
    "interval",
    "period",
    "seconds",
    "header",
    "type",
    "kind",
    "version",
    "store",
    "manager",
    "provider",
    "mount",
    "policy",
    "rotation",
    "template",
    "generate",
    "kms",
    "count",
    "min",
    "max",
    "enabled",
    "enable",
    "disabled",
    "mode",
    "required",
    "require",
    "field",
    "selector",
    "source",
    "format",
    "algorithm",
    "prefix",
    "suffix",
    "issuer",
    "audience",
    "scope",
    "location",
    "region",
    "role",
    "request",
    "requests",
];

/// Words ending in `pass` that are not passwords.
const NOT_PASS: &[&str] = &["bypass", "compass", "surpass", "overpass", "underpass"];

/// Words before `key` that make it a secret key, with the phrase reported.
const SECRET_KEYS: &[(&str, &str)] = &[
    ("api", "api key"),
    ("access", "access key"),
    ("private", "private key"),
    ("secret", "secret key"),
    ("signing", "signing key"),
    ("encryption", "encryption key"),
    ("client", "client key"),
    ("master", "master key"),
    ("hmac", "hmac key"),
    ("app", "app key"),
    ("license", "license key"),
    ("session", "session key"),
];

/// Compound words that are secret keys on their own.
const SECRET_KEY_WORDS: &[(&str, &str)] = &[
    ("apikey", "api key"),
    ("accesskey", "access key"),
    ("privatekey", "private key"),
    ("secretkey", "secret key"),
];

/// The most words of a name looked at.
const MAX_WORDS: usize = 12;

/// Splits `name` into words at anything but letters and digits and at camel-case humps:
/// `DB_PASSWORD` → `DB`, `PASSWORD`; `apiKeyRef` → `api`, `Key`, `Ref`; `APIKey` → `API`, `Key`.
fn words(name: &str) -> ([&str; MAX_WORDS], usize) {
    let mut out = [""; MAX_WORDS];
    let mut n = 0;
    let bytes = name.as_bytes();
    let mut start = None;
    let mut push = |from: usize, to: usize, n: &mut usize| {
        if *n < MAX_WORDS && from < to {
            out[*n] = &name[from..to];
            *n += 1;
        }
    };
    for (i, &b) in bytes.iter().enumerate() {
        if !b.is_ascii_alphanumeric() {
            if let Some(s) = start.take() {
                push(s, i, &mut n);
            }
            continue;
        }
        match start {
            None => start = Some(i),
            Some(s) if b.is_ascii_uppercase() && i > s => {
                let prev = bytes[i - 1];
                let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
                // `apiKey`: a hump after a lower-case letter or digit; `APIKey`: the last
                // capital of a run starts the next word.
                if prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next_lower)
                {
                    push(s, i, &mut n);
                    start = Some(i);
                }
            }
            Some(_) => {}
        }
    }
    if let Some(s) = start {
        push(s, bytes.len(), &mut n);
    }
    (out, n)
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.len() >= needle.len()
        && haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn ends_with_ci(haystack: &str, needle: &str) -> bool {
    haystack.len() >= needle.len()
        && haystack.as_bytes()[haystack.len() - needle.len()..]
            .eq_ignore_ascii_case(needle.as_bytes())
}

/// Whether a name may contain a secret word at all: it has one of the three-letter beginnings
/// of the words (`pas`, `pwd`, `sec`, `tok`, `cre`, `key`), in any case. Most names are
/// rejected here, without splitting them into words: this runs for every key of every object.
fn may_name_a_secret(name: &str) -> bool {
    const fn trigram(t: &[u8; 3]) -> u32 {
        (t[0] as u32) << 16 | (t[1] as u32) << 8 | t[2] as u32
    }
    const STARTS: [u32; 6] = [
        trigram(b"pas"),
        trigram(b"pwd"),
        trigram(b"sec"),
        trigram(b"tok"),
        trigram(b"cre"),
        trigram(b"key"),
    ];
    // The last three bytes, lower-cased (`| 0x20` folds ASCII letters), as one number: no
    // branch per byte.
    let mut window = 0u32;
    let mut hit = false;
    for &b in name.as_bytes() {
        window = (window << 8 | u32::from(b | 0x20)) & 0x00ff_ffff;
        hit |= STARTS.iter().fold(false, |any, &t| any | (window == t));
    }
    hit
}

/// The word of `name` that says its value is a secret, if any: `DB_PASSWORD` → `password`,
/// `PGPASS` → `pass`, `apiKey` → `api key`, `GITHUB_TOKEN` → `token`. A name that also says
/// the value is about a secret (`secretName`, `TOKEN_TTL`, `PASSWORD_FILE`) has none.
///
/// ```
/// use girder_core::secrets::secret_word;
/// assert_eq!(secret_word("DB_PASSWORD"), Some("password"));
/// assert_eq!(secret_word("stripeApiKey"), Some("api key"));
/// assert_eq!(secret_word("secretKeyRef"), None);
/// assert_eq!(secret_word("LOG_LEVEL"), None);
/// ```
pub fn secret_word(name: &str) -> Option<&'static str> {
    // The same few hundred keys (`securityContext`, `secretKeyRef`, env names) come back in
    // every object: each is judged once per thread. Measured on `scale 1000` (6,002 objects,
    // 143,000 names): 62 M instructions judging every name, see BENCHMARKS.md.
    thread_local! {
        static VERDICTS: RefCell<HashMap<String, Option<&'static str>, crate::hash::FnvBuildHasher>> =
            RefCell::default();
    }
    /// Names kept per thread at most; past it, names are judged without being kept.
    const KEPT: usize = 4096;
    if let Some(verdict) = VERDICTS.with_borrow(|v| v.get(name).copied()) {
        return verdict;
    }
    let verdict = if may_name_a_secret(name) {
        judge(name)
    } else {
        None
    };
    VERDICTS.with_borrow_mut(|v| {
        if v.len() < KEPT {
            v.insert(name.to_owned(), verdict);
        }
    });
    verdict
}

/// [`secret_word`] of a name that may name a secret, without the cache.
fn judge(name: &str) -> Option<&'static str> {
    let (words, n) = words(name);
    let words = &words[..n];
    let is = |w: &str, s: &str| w.eq_ignore_ascii_case(s);
    let found = words
        .iter()
        .enumerate()
        .find_map(|(i, w)| word_of_a_secret(words, i, w))?;
    // Looked for only once a secret word is found: few names get here.
    let about = words
        .iter()
        .any(|w| ABOUT_A_SECRET.iter().any(|a| is(w, a)));
    (!about).then_some(found)
}

/// The secret word that `words[i]`, `w`, is or makes with the word before it.
fn word_of_a_secret(words: &[&str], i: usize, w: &str) -> Option<&'static str> {
    let is = |w: &str, s: &str| w.eq_ignore_ascii_case(s);
    if contains_ci(w, "passw") {
        return Some("password");
    }
    if contains_ci(w, "passphrase") {
        return Some("passphrase");
    }
    if ends_with_ci(w, "pass") && !NOT_PASS.iter().any(|p| is(w, p)) {
        return Some("pass");
    }
    // `PWD` alone is the shell's working directory.
    if is(w, "pwd") && words.len() > 1 {
        return Some("pwd");
    }
    if contains_ci(w, "secret") {
        return Some("secret");
    }
    if contains_ci(w, "token") {
        return Some("token");
    }
    if contains_ci(w, "credential") || is(w, "creds") {
        return Some("credential");
    }
    if let Some((_, phrase)) = SECRET_KEY_WORDS
        .iter()
        .find(|(word, _)| ends_with_ci(w, word))
    {
        return Some(phrase);
    }
    if is(w, "key")
        && let Some(before) = i.checked_sub(1).map(|j| words[j])
        && let Some((_, phrase)) = SECRET_KEYS.iter().find(|(q, _)| is(before, q))
    {
        return Some(phrase);
    }
    None
}

/// Whether `value` holds no literal that could be a secret: empty, a boolean, or only
/// references (`${VAR}`, `$(VAR)`, `{{resolve:…}}`) and punctuation.
///
/// ```
/// use girder_core::secrets::is_not_literal;
/// assert!(is_not_literal("{{resolve:secretsmanager:db:SecretString:password}}"));
/// assert!(is_not_literal("$(DB_USER):$(DB_PASSWORD)"));
/// assert!(!is_not_literal("hunter2"));
/// ```
pub fn is_not_literal(value: &str) -> bool {
    let trimmed = value.trim();
    if trimmed.is_empty()
        || ["true", "false", "yes", "no", "on", "off", "null"]
            .iter()
            .any(|b| trimmed.eq_ignore_ascii_case(b))
    {
        return true;
    }
    let mut rest = trimmed;
    loop {
        let Some(at) = rest.find(['$', '{']) else {
            return !rest.bytes().any(|b| b.is_ascii_alphanumeric());
        };
        if rest[..at].bytes().any(|b| b.is_ascii_alphanumeric()) {
            return false;
        }
        let after = &rest[at..];
        let close = if after.starts_with("${") {
            after.find('}').map(|i| i + 1)
        } else if after.starts_with("$(") {
            after.find(')').map(|i| i + 1)
        } else if after.starts_with("{{resolve:") {
            after.find("}}").map(|i| i + 2)
        } else if let Some(variable) = after.strip_prefix('$') {
            // `$NAME`, a shell variable.
            let name = variable
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            (name > 0 && !variable.as_bytes()[0].is_ascii_digit()).then_some(1 + name)
        } else {
            None
        };
        match close {
            Some(end) => rest = &after[end..],
            None => return false,
        }
    }
}

/// Checks a value and the name it is stored under (a key, an environment variable, a flag).
///
/// ```
/// use girder_core::secrets::{check_named, Suspicion};
/// assert_eq!(check_named("apiToken", "tok-123"), Some(Suspicion::Name("token")));
/// assert_eq!(check_named("automountServiceAccountToken", "false"), None);
/// assert_eq!(check_named("LOG_LEVEL", "info"), None);
/// ```
pub fn check_named(name: &str, value: &str) -> Option<Suspicion> {
    if let Some(word) = secret_word(name)
        && !is_not_literal(value)
    {
        return Some(Suspicion::Name(word));
    }
    check_value(value)
}

/// The shortest string that can hold a URL with a password (`a://b:c@d`).
const MIN_URL: usize = 9;
/// The shortest string a known format or a random token is looked for in.
const MIN_TOKEN_TEXT: usize = 20;

/// Checks a string on its own: a URL with a password, a known key format, a random-looking
/// token.
///
/// ```
/// use girder_core::secrets::{check_value, Suspicion};
/// assert_eq!(check_value("AKIAIOSFODNN7EXAMPLE"), Some(Suspicion::Format("an AWS access key ID")));
/// assert_eq!(check_value("https://api.example.com/v1"), None);
/// ```
pub fn check_value(value: &str) -> Option<Suspicion> {
    if value.len() < MIN_URL {
        return None;
    }
    if value.as_bytes().contains(&b'@') && has_url_password(value) {
        return Some(Suspicion::UrlPassword);
    }
    if value.len() < MIN_TOKEN_TEXT {
        return None;
    }
    check_tokens(value)
}

/// Whether `value` holds `scheme://user:password@host` with a literal password.
fn has_url_password(value: &str) -> bool {
    let mut rest = value;
    while let Some(at) = rest.find("://") {
        let after = &rest[at + 3..];
        let authority_end = after
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || c == '"')
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        if let Some((userinfo, _host)) = authority.rsplit_once('@')
            && let Some((_user, password)) = userinfo.split_once(':')
            && !is_not_literal(password)
        {
            return true;
        }
        rest = after;
    }
    false
}

/// Bytes of a token: the letters of base64 and base64url (`=` padding ends a token: it also
/// ends the names of `name=value`).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Known token formats: a prefix, the shortest length of the token (prefix included), and what
/// it is.
const FORMATS: &[(&str, usize, &str)] = &[
    ("ghp_", 40, "a GitHub token"),
    ("gho_", 40, "a GitHub token"),
    ("ghu_", 40, "a GitHub token"),
    ("ghs_", 40, "a GitHub token"),
    ("ghr_", 40, "a GitHub token"),
    ("github_pat_", 40, "a GitHub token"),
    ("glpat-", 26, "a GitLab token"),
    ("xoxb-", 15, "a Slack token"),
    ("xoxa-", 15, "a Slack token"),
    ("xoxp-", 15, "a Slack token"),
    ("xoxr-", 15, "a Slack token"),
    ("xoxs-", 15, "a Slack token"),
    ("sk_live_", 24, "a Stripe key"),
    ("rk_live_", 24, "a Stripe key"),
    ("sk_test_", 24, "a Stripe key"),
    ("rk_test_", 24, "a Stripe key"),
    ("whsec_", 24, "a Stripe key"),
    ("AIza", 39, "a Google API key"),
    ("npm_", 40, "an npm token"),
    ("sk-ant-", 32, "an Anthropic API key"),
    ("sk-proj-", 32, "an OpenAI API key"),
];

/// The shortest token looked at for randomness.
const MIN_RANDOM: usize = 24;

/// Looks at each token of `value` (a run of [`is_token_byte`]s) for a known format or
/// randomness. The body of a PEM certificate or public key is random-looking but public.
fn check_tokens(value: &str) -> Option<Suspicion> {
    let bytes = value.as_bytes();
    let mut public_pem = false;
    let mut i = 0;
    while i < bytes.len() {
        if !is_token_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_token_byte(bytes[i]) {
            i += 1;
        }
        // Token bytes are ASCII: the slice is on character boundaries.
        let token = &value[start..i];
        if token.len() < MIN_FORMAT {
            continue;
        }
        if let Some(found) = known_format(token, &value[i..]) {
            return Some(found);
        }
        public_pem |= token.ends_with("-----BEGIN");
        if !public_pem && token.len() >= MIN_RANDOM && looks_random(token) {
            return Some(Suspicion::Random(token.len()));
        }
    }
    None
}

/// The shortest token a known format is looked for in (`//hooks` of a Slack webhook).
const MIN_FORMAT: usize = 7;

/// The known format `token` has, given the text that follows it.
fn known_format(token: &str, after: &str) -> Option<Suspicion> {
    // Every format starts with one of these bytes: most tokens are rejected here.
    if !matches!(
        token.as_bytes()[0],
        b'A' | b'-' | b'e' | b'/' | b'g' | b'x' | b's' | b'r' | b'w' | b'n'
    ) {
        return None;
    }
    if token.len() == 20
        && (token.starts_with("AKIA") || token.starts_with("ASIA"))
        && token
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some(Suspicion::Format("an AWS access key ID"));
    }
    if token.ends_with("-----BEGIN") {
        let header = after.find("-----").map_or(after, |end| &after[..end]);
        if header.contains("PRIVATE KEY") {
            return Some(Suspicion::Format("a private key"));
        }
    }
    if token.starts_with("eyJ")
        && token.len() >= 10
        && let Some(payload) = after.strip_prefix('.')
        && payload.starts_with("eyJ")
        && payload[3..]
            .bytes()
            .take_while(|b| is_token_byte(*b))
            .count()
            >= 7
    {
        return Some(Suspicion::Format("a JSON Web Token"));
    }
    if token == "//hooks" && after.starts_with(".slack.com/services/") {
        return Some(Suspicion::Format("a Slack webhook URL"));
    }
    FORMATS
        .iter()
        .find(|(prefix, min, _)| token.len() >= *min && token.starts_with(prefix))
        .map(|(_, _, what)| Suspicion::Format(what))
}

/// Whether a token of at least [`MIN_RANDOM`] bytes looks like random base64 or base62: it
/// mixes upper case, lower case and digits, changes between them often, is not made of words
/// (camel-case identifiers with a hash suffix, such as logical IDs), has nearly the entropy of
/// random text of its length, and is not base64 of text.
fn looks_random(token: &str) -> bool {
    let core = token.trim_matches(|c| matches!(c, '-' | '_' | '/' | '+'));
    // A hash suffix of eight or more hex digits, such as the one of Girder's logical IDs and
    // long names (`FilesBucket71b1d38b`), is not what makes a token random.
    let hex_tail = core.bytes().rev().take_while(u8::is_ascii_hexdigit).count();
    let core = if hex_tail >= 8 && hex_tail < core.len() {
        &core[..core.len() - hex_tail]
    } else {
        core
    };
    let bytes = core.as_bytes();
    if bytes.len() < MIN_RANDOM {
        return false;
    }
    // Most long tokens of an output are names in one case, or hex: rejected before any count.
    let (mut upper, mut lower, mut digit, mut hex) = (false, false, false, true);
    for &b in bytes {
        upper |= b.is_ascii_uppercase();
        lower |= b.is_ascii_lowercase();
        digit |= b.is_ascii_digit();
        hex &= b.is_ascii_hexdigit();
    }
    if hex || !(upper && lower && digit) {
        return false;
    }
    // Changes of class between neighbours, and bytes in runs of three or more lower-case
    // letters (the tails of words).
    let (mut switches, mut in_words, mut run) = (0usize, 0usize, 0usize);
    let mut last_class = 0u8;
    let mut counts = [0u16; 128];
    for &b in bytes {
        let class = if b.is_ascii_uppercase() {
            1
        } else if b.is_ascii_lowercase() {
            2
        } else if b.is_ascii_digit() {
            3
        } else {
            4
        };
        if last_class != 0 && class != last_class {
            switches += 1;
        }
        if class == 2 {
            run += 1;
        } else {
            if run >= 3 {
                in_words += run;
            }
            run = 0;
        }
        last_class = class;
        counts[usize::from(b & 0x7f)] += 1;
    }
    if run >= 3 {
        in_words += run;
    }
    // Random base62 text changes class at three bytes in five and seldom has three lower-case
    // letters in a row; words change at their humps, once in five or six bytes, and are mostly
    // lower-case runs.
    if switches * 10 < bytes.len() * 4 || in_words * 2 >= bytes.len() {
        return false;
    }
    let len = bytes.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum();
    if entropy < random_entropy(bytes.len()) {
        return false;
    }
    !is_base64_of_text(core)
}

/// The entropy a token must reach: 85% of what random text of its length drawn from 62
/// symbols has, about `log2(min(len, 62))` less the shortfall of a sample (a random 24-byte
/// token averages 4.2 bits a byte, a 40-byte one 4.8).
fn random_entropy(len: usize) -> f64 {
    let n = len as f64;
    let alphabet = 62.0_f64;
    // Expected number of distinct symbols in n draws; the entropy of a sample is close to
    // log2 of it.
    let distinct = alphabet * (1.0 - (1.0 - 1.0 / alphabet).powf(n));
    0.85 * distinct.log2()
}

/// Whether `token` is base64 of text: it decodes to bytes of which nearly all are printable
/// ASCII or whitespace. Random secrets decode to arbitrary bytes.
fn is_base64_of_text(token: &str) -> bool {
    fn sextet(b: u8) -> Option<u32> {
        match b {
            b'A'..=b'Z' => Some(u32::from(b - b'A')),
            b'a'..=b'z' => Some(u32::from(b - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(b - b'0') + 52),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        }
    }
    let (mut text, mut total) = (0usize, 0usize);
    for chunk in token.trim_end_matches('=').as_bytes().chunks(4) {
        let mut bits = 0u32;
        for &b in chunk {
            let Some(v) = sextet(b) else { return false };
            bits = bits << 6 | v;
        }
        let decoded = chunk.len() * 6 / 8;
        bits <<= 6 * (4 - chunk.len());
        for k in 0..decoded {
            let byte = (bits >> (16 - 8 * k)) as u8;
            total += 1;
            if byte.is_ascii_graphic() || byte.is_ascii_whitespace() {
                text += 1;
            }
        }
    }
    total > 0 && text * 20 >= total * 19
}

/// Checks the words of a command line: `args` and `command` of a container, or a shell script
/// in one of them. A flag or an assignment whose name looks like a secret, given a literal
/// (`--password=hunter2`, `--token hunter2`, `PGPASSWORD=hunter2 psql`), is reported with the
/// index of the item that holds the value.
///
/// ```
/// use girder_core::secrets::{check_command, Suspicion};
/// assert_eq!(check_command(&["--password", "hunter2"]), vec![(1, "password", Suspicion::Name("password"))]);
/// assert_eq!(check_command(&["sh", "-c", "PGPASSWORD=$(cat /run/pw) pg_dump"]), vec![]);
/// ```
pub fn check_command<'a>(items: &[&'a str]) -> Vec<(usize, &'a str, Suspicion)> {
    // A word is split from the rest of a shell substitution (`$(cat /run/pw)`): one that starts
    // one is a reference.
    let literal = |value: &str| !(value.starts_with(['$', '`']) || is_not_literal(value));
    let mut found = Vec::new();
    // The flag waiting for its value in the next word, and where it was.
    let mut waiting: Option<(&'a str, &'static str)> = None;
    for (index, item) in items.iter().enumerate() {
        for word in item.split_whitespace() {
            let word = word.trim_matches(|c| matches!(c, '"' | '\'' | ';'));
            if let Some((flag, secret)) = waiting.take()
                && !word.starts_with('-')
            {
                if literal(word) {
                    found.push((index, flag, Suspicion::Name(secret)));
                }
                continue;
            }
            let (name, value) = match word.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (word, None),
            };
            let is_flag = name.starts_with('-');
            let name = name.trim_start_matches('-');
            let assignment = !is_flag
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && value.is_some();
            if !(is_flag || assignment) || name.is_empty() {
                continue;
            }
            let Some(secret) = secret_word(name) else {
                continue;
            };
            match value {
                Some(value) => {
                    let value = value.trim_matches(|c| matches!(c, '"' | '\''));
                    if literal(value) {
                        found.push((index, name, Suspicion::Name(secret)));
                    }
                }
                None => waiting = Some((name, secret)),
            }
        }
    }
    found
}

/// What replaces a secret value where a value is shown (`girder diff`), so that its change
/// stays visible.
pub const REDACTED: &str = "<redacted>";

/// Checks free text (a configuration file, a connection string, a JSON document held in a
/// string): [`check_value`]'s rules, then an assignment of a literal to a name that says
/// "secret" ([`secret_word`]): `Password=hunter2;`, `password = hunter2`, `"token": "abc"`,
/// `api_key: abc`, `--db-password=hunter2`. A `:` assigns only after a quoted name or before a
/// space, so that URLs, ARNs and dynamic references (`{{resolve:secretsmanager:db:…}}`) are not
/// read as assignments.
///
/// ```
/// use girder_core::secrets::{check_text, Suspicion};
/// assert_eq!(check_text("Server=db;Password=hunter2;"), Some(Suspicion::Name("password")));
/// assert_eq!(check_text("host = db\npassword = hunter2\n"), Some(Suspicion::Name("password")));
/// assert_eq!(check_text("password="), None);
/// assert_eq!(check_text("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCd"), None);
/// ```
pub fn check_text(text: &str) -> Option<Suspicion> {
    if let Some(found) = check_value(text) {
        return Some(found);
    }
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    text.match_indices([':', '=']).find_map(|(at, sign)| {
        let before = text[..at].trim_end_matches([' ', '\t']);
        let unquoted = before.trim_end_matches(['"', '\'']);
        let quoted = unquoted.len() < before.len();
        let start = unquoted
            .bytes()
            .rposition(|b| !name_byte(b))
            .map_or(0, |i| i + 1);
        let name = unquoted[start..].trim_start_matches('-');
        let after = &text[at + 1..];
        if sign == ":" && !quoted && !after.starts_with([' ', '\t']) {
            return None;
        }
        let value = after.trim_start_matches([' ', '\t', '"', '\'']);
        let end = value
            .find(|c: char| {
                c.is_whitespace() || matches!(c, ',' | ';' | '&' | '}' | ']' | '"' | '\'')
            })
            .unwrap_or(value.len());
        let word = secret_word(name)?;
        (!is_not_literal(&value[..end])).then_some(Suspicion::Name(word))
    })
}

/// Whether a report that shows values (`girder diff`) hides the value stored under `name`.
/// Wider than the check on purpose, since hiding a value costs a reader little: every name
/// [`secret_word`] finds, and names that often hold a credential although a literal under them
/// is not refused on its own — a last word `auth` or `dsn`, or `key` after another word
/// (`REDIS_AUTH`, `SENTRY_DSN`, `STRIPE_KEY`) — unless a word says the value is about a secret
/// (`SENTRY_DSN_FILE`, `KmsKeyId`).
///
/// ```
/// use girder_core::secrets::hides_value_of;
/// assert!(hides_value_of("DB_PASSWORD") && hides_value_of("STRIPE_KEY"));
/// assert!(!hides_value_of("secretKeyRef") && !hides_value_of("LOG_LEVEL"));
/// ```
pub fn hides_value_of(name: &str) -> bool {
    if secret_word(name).is_some() {
        return true;
    }
    let (words, n) = words(name);
    let words = &words[..n];
    let is = |w: &str, s: &str| w.eq_ignore_ascii_case(s);
    let Some(last) = words.last() else {
        return false;
    };
    let credential = is(last, "auth") || is(last, "dsn") || (n > 1 && is(last, "key"));
    credential
        && !words
            .iter()
            .any(|w| ABOUT_A_SECRET.iter().any(|a| is(w, a)))
}

/// Replaces each item of a command line held as a list (`args`, `command`) that holds a
/// secret by [`check_command`] (`--password hunter2`: the second item) with `redacted()`.
/// `text` reads an item's string; a list with an item that is no string is left alone.
///
/// ```
/// use girder_core::secrets::redact_command;
/// let mut args = vec!["--password", "hunter2", "--port", "5432"];
/// redact_command(&mut args, |a| Some(*a), || "<redacted>");
/// assert_eq!(args, ["--password", "<redacted>", "--port", "5432"]);
/// ```
pub fn redact_command<T>(
    items: &mut [T],
    text: impl Fn(&T) -> Option<&str>,
    redacted: impl Fn() -> T,
) {
    let Some(words) = items.iter().map(text).collect::<Option<Vec<&str>>>() else {
        return;
    };
    let secret: Vec<usize> = check_command(&words).iter().map(|(i, ..)| *i).collect();
    for index in secret {
        items[index] = redacted();
    }
}

/// One allowance: a value of construct `path` that only looks like a secret, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    /// The construct's path, e.g. `prod/web/api`.
    pub path: String,
    /// The field (as an error names it, or its end) or the name (key, variable, flag) allowed.
    pub field: String,
    /// Why the value is not a secret, for the reviewer.
    pub reason: String,
}

impl Allowance {
    /// Whether this allowance covers `finding` of the construct at `path`.
    fn covers(&self, path: &str, finding: &Finding) -> bool {
        if self.path != path || self.field.is_empty() {
            return false;
        }
        let field = finding.field.as_str();
        finding.name.as_deref() == Some(self.field.as_str())
            || field == self.field
            || field
                .strip_suffix(self.field.as_str())
                .is_some_and(|before| before.ends_with('.'))
    }
}

/// The allowances of an app, published on its root.
#[derive(Clone, Default)]
struct Allowances(Rc<RefCell<Vec<Allowance>>>);

/// A construct an allowance is for: a handle, or the construct's path as errors print it.
pub trait AllowFor {
    /// The construct's path.
    fn construct_path(&self) -> String;
}

impl AllowFor for &str {
    fn construct_path(&self) -> String {
        (*self).to_owned()
    }
}

impl AllowFor for String {
    fn construct_path(&self) -> String {
        self.clone()
    }
}

impl AllowFor for Path {
    fn construct_path(&self) -> String {
        self.as_str().to_owned()
    }
}

impl<T: Construct> AllowFor for &Handle<T> {
    fn construct_path(&self) -> String {
        self.path().as_str().to_owned()
    }
}

impl App {
    /// Allows a value of `construct` that looks like a secret but is not one, for `reason`.
    ///
    /// `field` is the field an error named (`spec.template.spec.containers[0].env[name=X].value`
    /// or an end of it after a `.`, such as `env[name=X].value`) or the name that made the value
    /// look secret (the environment variable, key or flag: `X`). The reason is required and is
    /// listed in `manifest.json`, for reviewers; an allowance that matches nothing is an error,
    /// like any setting that would have no effect.
    ///
    /// ```
    /// use girder_core::App;
    /// let app = App::new("shop");
    /// app.allow_secret_like(
    ///     "prod/web/api",
    ///     "PASSWORD_POLICY_URL_TEMPLATE",
    ///     "a URL template with placeholders, no credential",
    /// );
    /// ```
    pub fn allow_secret_like(&self, construct: impl AllowFor, field: &str, reason: &str) {
        let list = self.attachment_or_default::<Allowances>(NodeId::ROOT);
        list.0.borrow_mut().push(Allowance {
            path: construct.construct_path(),
            field: field.to_owned(),
            reason: reason.trim().to_owned(),
        });
    }

    /// The allowances declared with [`App::allow_secret_like`], in the order declared.
    pub fn secret_allowances(&self) -> Vec<Allowance> {
        self.attachment::<Allowances>(NodeId::ROOT)
            .map(|list| list.0.borrow().clone())
            .unwrap_or_default()
    }
}

/// What to write when a value is not a secret.
fn allow_hint(path: &str, finding: &Finding) -> String {
    let field = finding.name.as_deref().unwrap_or(&finding.field);
    format!(
        "if it is not a secret, say why: `app.allow_secret_like(\"{path}\", \"{field}\", \"<reason>\")`"
    )
}

/// Reports every finding (with the path of the construct that emitted its object) that no
/// allowance of `app` covers, and every allowance that has no reason or covers nothing.
/// Returns the allowances that were used, sorted, for the index of the output.
///
/// The diagnostics name the construct, the object and the field, never the value.
pub fn settle(
    app: &App,
    mut findings: Vec<(String, Finding)>,
    diags: &mut Diagnostics,
) -> Vec<Allowance> {
    let allowances = app.secret_allowances();
    let mut used = vec![false; allowances.len()];
    findings.sort_by(|a, b| (&a.0, &a.1.object, &a.1.field).cmp(&(&b.0, &b.1.object, &b.1.field)));
    findings.dedup_by(|a, b| a.0 == b.0 && a.1.object == b.1.object && a.1.field == b.1.field);
    for (path, finding) in &findings {
        let mut allowed = false;
        for (allowance, used) in allowances.iter().zip(used.iter_mut()) {
            if allowance.covers(path, finding) {
                *used = true;
                allowed = !allowance.reason.is_empty();
            }
        }
        if allowed {
            continue;
        }
        diags.push(
            Diagnostic::error(
                path.as_str(),
                format!(
                    "`{}` looks like a secret written into the output: {}",
                    finding.field, finding.suspicion
                ),
            )
            .object(finding.object.clone())
            .cause("whatever is in the output is in version control and every copy of it")
            .hint(format!("{}; {}", finding.hint, allow_hint(path, finding))),
        );
    }
    let mut kept = Vec::new();
    for (allowance, used) in allowances.into_iter().zip(used) {
        if allowance.reason.is_empty() {
            diags.push(
                Diagnostic::error(
                    allowance.path.as_str(),
                    format!(
                        "the allowance of secret-like `{}` gives no reason",
                        allowance.field
                    ),
                )
                .hint("say why the value is not a secret: the reason is listed in manifest.json for reviewers"),
            );
        } else if !used {
            diags.push(
                Diagnostic::error(
                    allowance.path.as_str(),
                    format!(
                        "the allowance of secret-like `{}` matches nothing",
                        allowance.field
                    ),
                )
                .cause("an allowance that has no effect hides nothing today, and would hide a real secret tomorrow")
                .hint("remove it, or name the construct path and the field as the error printed them"),
            );
        } else {
            kept.push(allowance);
        }
    }
    kept.sort_by(|a, b| (&a.path, &a.field).cmp(&(&b.path, &b.field)));
    kept.dedup();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_split_into_words() {
        let split = |name| {
            let (w, n) = words(name);
            w[..n].to_vec()
        };
        assert_eq!(split("DB_PASSWORD"), ["DB", "PASSWORD"]);
        assert_eq!(split("apiKeyRef"), ["api", "Key", "Ref"]);
        assert_eq!(split("APIKey"), ["API", "Key"]);
        assert_eq!(split("oauth2Token"), ["oauth2", "Token"]);
        assert_eq!(
            split("app.kubernetes.io/name"),
            ["app", "kubernetes", "io", "name"]
        );
        assert_eq!(split("--db-pass"), ["db", "pass"]);
    }

    #[test]
    fn secret_names_are_found_and_names_about_secrets_are_not() {
        for (name, word) in [
            ("DB_PASSWORD", "password"),
            ("MasterUserPassword", "password"),
            ("db-passwd", "passwd"),
            ("PGPASS", "pass"),
            ("DB_PASS", "pass"),
            ("DB_PWD", "pwd"),
            ("client_secret", "secret"),
            ("SecretString", "secret"),
            ("GITHUB_TOKEN", "token"),
            ("AuthToken", "token"),
            ("aws_credentials", "credential"),
            ("API_KEY", "api key"),
            ("stripeApiKey", "api key"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("privateKey", "private key"),
            ("SIGNING_KEY", "signing key"),
            ("gpg-passphrase", "passphrase"),
        ] {
            let expected = if word == "passwd" { "password" } else { word };
            assert_eq!(secret_word(name), Some(expected), "{name}");
        }
        for name in [
            "LOG_LEVEL",
            "PWD",
            "BYPASS_CACHE",
            "secretName",
            "secretKeyRef",
            "credentialName",
            "TOKEN_TTL",
            "PASSWORD_FILE",
            "PasswordLength",
            "KmsKeyId",
            "GenerateSecretString",
            "SecretStringTemplate",
            "kms:EncryptionContext:SecretARN",
            "key",
            "Key",
            "sshKeyName",
            "GenerateStringKey",
            "app.kubernetes.io/name",
            "image",
            "checksum/config",
        ] {
            assert_eq!(secret_word(name), None, "{name}");
        }
    }

    #[test]
    fn references_booleans_and_empty_values_are_not_literals() {
        for value in [
            "",
            "  ",
            "true",
            "False",
            "${DB_PASSWORD}",
            "$(DB_PASSWORD)",
            "{{resolve:secretsmanager:shop/db:SecretString:password}}",
            "{{resolve:ssm-secure:/shop/db}}",
            "${USER}:${PASS}",
        ] {
            assert!(is_not_literal(value), "{value:?}");
        }
        for value in ["hunter2", "x${A}", "${A}x", "{{resolve:ssm", "$(A", "0"] {
            assert!(!is_not_literal(value), "{value:?}");
        }
    }

    #[test]
    fn the_name_rule_needs_a_secret_name_and_a_literal() {
        assert_eq!(
            check_named("DB_PASSWORD", "hunter2"),
            Some(Suspicion::Name("password"))
        );
        assert_eq!(check_named("DB_PASSWORD", "${DB_PASSWORD}"), None);
        assert_eq!(check_named("DB_HOST", "hunter2"), None);
        assert_eq!(check_named("REQUIRE_TOKEN", "true"), None);
    }

    #[test]
    fn urls_with_a_password_are_found() {
        for value in [
            "postgres://app:hunter2@db:5432/app",
            "redis://:hunter2@redis:6379/0",
            "run: curl https://user:hunter2@example.com/x",
            "amqp://guest:guest@rabbit",
        ] {
            assert_eq!(check_value(value), Some(Suspicion::UrlPassword), "{value}");
        }
        for value in [
            "postgres://app@db:5432/app",
            "https://example.com/a:b@c",
            "postgres://app:${DB_PASSWORD}@db/app",
            "postgres://app:$(DB_PASSWORD)@db/app",
            "mailto:ops@acme.com",
            "ghcr.io/acme/api@sha256:4f53",
            "git@github.com:acme/repo.git",
        ] {
            assert_eq!(check_value(value), None, "{value}");
        }
    }

    #[test]
    fn known_formats_are_found() {
        let cases = [
            ("AKIAIOSFODNN7EXAMPLE", "an AWS access key ID"),
            ("key=ASIAY34FZKBOKMUTVV7A;", "an AWS access key ID"),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
                "a private key",
            ),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=",
                "a private key",
            ),
            ("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "a GitHub token"),
            ("xoxb-1234567890-abcdefghij", "a Slack token"),
            ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "a Stripe key"),
            (
                "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "a JSON Web Token",
            ),
            (
                "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
                "a Slack webhook URL",
            ),
            (
                "AIzaSyA1bcDeF2ghIJ3klMNo4pqRS5tuVW6xyz7",
                "a Google API key",
            ),
        ];
        for (value, what) in cases {
            assert_eq!(check_value(value), Some(Suspicion::Format(what)), "{value}");
        }
        for value in [
            "AKIAIOSFODNN7EXAMPLEX",
            "-----BEGIN CERTIFICATE-----\nMIIB",
            "-----BEGIN PUBLIC KEY-----\nMIIB",
            "ghp_short",
            "the eyJ of a storm.eyJ",
            "arn:aws:iam::123456789012:role/AIDAJQABLZS4A3QDU576Q",
        ] {
            assert!(
                !matches!(check_value(value), Some(Suspicion::Format(_))),
                "{value}"
            );
        }
    }

    #[test]
    fn random_tokens_are_found_and_hashes_ids_and_encoded_text_are_not() {
        for value in [
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "Zx8Kq2Lm9Vb4Nc7Rt1Yp6Wd3Hs5Jf0Ga",
            "session=q8Vd2LxZ0rT5kBn7Wm3Yc9Pf1Hs4Ge6J",
        ] {
            assert!(
                matches!(check_value(value), Some(Suspicion::Random(_))),
                "{value}"
            );
        }
        for value in [
            // Digests, checksums and hash suffixes are hex.
            "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
            "d41d8cd98f00b204e9800998ecf8427e",
            "shop-prod-data-worker-5e3f2a1b",
            // Logical IDs: camel-case words and a hash suffix.
            "ClusterNodeGroupGeneralLaunchTemplate5E3F2A1B",
            "OrdersDbSubnetGroupA1B2C3D4",
            // ARNs, image references, sentences.
            "arn:aws:iam::123456789012:role/shop-prod-data-worker",
            "ghcr.io/acme/api:1.4.2",
            "The quick brown fox jumps over the lazy dog 42 times",
            // Base64 of text.
            "eyJ1c2VybmFtZSI6Im9yZGVycyIsInJlZ2lvbiI6ImV1LXdlc3QtMSJ9",
            "c2VydmVyIHsKICBsaXN0ZW4gODA4MDsKfQo=",
        ] {
            assert_eq!(check_value(value), None, "{value}");
        }
    }

    #[test]
    fn command_lines_are_read_word_by_word() {
        assert_eq!(
            check_command(&["--password=hunter2"]),
            vec![(0, "password", Suspicion::Name("password"))]
        );
        assert_eq!(
            check_command(&["--db-token", "hunter2", "--verbose"]),
            vec![(1, "db-token", Suspicion::Name("token"))]
        );
        assert_eq!(
            check_command(&["sh", "-c", "PGPASSWORD=hunter2 pg_dump -h db"]),
            vec![(2, "PGPASSWORD", Suspicion::Name("password"))]
        );
        assert!(check_command(&["--password", "$(DB_PASSWORD)"]).is_empty());
        assert!(check_command(&["--password-file", "/run/secrets/pw"]).is_empty());
        assert!(check_command(&["--token", "--verbose"]).is_empty());
        assert!(check_command(&["--port=8080", "serve"]).is_empty());
    }

    #[test]
    fn text_assigning_a_literal_to_a_secret_name_is_found() {
        let password = Some(Suspicion::Name("password"));
        let cases = [
            ("Server=db;User Id=app;Password=pw;", password),
            (r#"{"password":"abc"}"#, password),
            ("host = db-1\npassword = hunter2\n", password),
            ("--db-password=hunter2", password),
            (r#"{"token": "abc"}"#, Some(Suspicion::Name("token"))),
            ("api_key: abc", Some(Suspicion::Name("api key"))),
            ("redis://:pw@cache:6379", Some(Suspicion::UrlPassword)),
            ("https://example.com:8443/a@b", None),
            ("password=", None),
            ("password = $(DB_PASSWORD)", None),
            ("--verbose=1", None),
            ("{{resolve:secretsmanager:db:SecretString:password}}", None),
            (
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCd",
                None,
            ),
            // A `:` with neither a quoted name nor a space after it is no assignment.
            ("token:abc", None),
        ];
        for (text, found) in cases {
            assert_eq!(check_text(text), found, "{text}");
        }
    }

    #[test]
    fn a_report_hides_more_names_than_the_check_refuses() {
        let hidden = [
            ("PGPASS", true),
            ("masterUserPassword", true),
            ("DBPassword", true),
            ("api-token", true),
            ("clientSecret", true),
            ("STRIPE_KEY", true),
            ("SecretString", true),
            ("SENTRY_DSN", true),
            ("REDIS_AUTH", true),
            ("/shop/db-password", true),
            ("secretKeyRef", false),
            ("SecretArn", false),
            ("KeyName", false),
            ("DB_PASSWORD_FILE", false),
            ("SENTRY_DSN_FILE", false),
            ("key", false),
            ("DATABASE_URL", false),
            ("KEYCLOAK_URL", false),
        ];
        for (name, hides) in hidden {
            assert_eq!(hides_value_of(name), hides, "{name}");
        }
    }

    struct Thing;
    impl Construct for Thing {
        fn kind(&self) -> &'static str {
            "Thing"
        }
        fn render(&self, _cx: &crate::Context<'_>, _out: &mut crate::Emitted) {}
    }

    fn finding(field: &str, name: Option<&str>) -> Finding {
        Finding {
            object: "Deployment web/api".into(),
            field: field.into(),
            name: name.map(str::to_owned),
            suspicion: Suspicion::Name("token"),
            hint: "read it from a Secret",
        }
    }

    #[test]
    fn allowances_cover_their_findings_and_unused_ones_are_errors() {
        crate::environment!(Prod = "prod");
        let app = App::new("shop");
        let env = app.environment(Prod);
        let api = app.add(env.node(), "api", Thing);
        let field = "spec.containers[0].env[name=TOKEN_BUCKET].value";
        app.allow_secret_like(&api, "TOKEN_BUCKET", "the name of a rate limiter's bucket");
        app.allow_secret_like("prod/api", "env[name=OTHER].value", "not used");
        app.allow_secret_like("prod/api", "annotations.x", "  ");
        let mut diags = Diagnostics::new();
        let findings = vec![
            ("prod/api".to_owned(), finding(field, Some("TOKEN_BUCKET"))),
            (
                "prod/api".to_owned(),
                finding("metadata.annotations.x", None),
            ),
            (
                "prod/other".to_owned(),
                finding(field, Some("TOKEN_BUCKET")),
            ),
        ];
        let used = settle(&app, findings, &mut diags);
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].reason, "the name of a rate limiter's bucket");
        let text = diags.to_string();
        assert_eq!(diags.error_count(), 4, "{text}");
        // The annotation's allowance has no reason: the finding stays, and so does the error
        // about the reason.
        assert!(
            text.contains("`metadata.annotations.x` looks like a secret"),
            "{text}"
        );
        assert!(text.contains("gives no reason"), "{text}");
        assert!(text.contains("--> prod/other"), "{text}");
        assert!(
            text.contains("the allowance of secret-like `env[name=OTHER].value` matches nothing"),
            "{text}"
        );
    }

    #[test]
    fn an_allowance_matches_a_field_by_its_end_at_a_dot() {
        let allowance = |field: &str| Allowance {
            path: "p".into(),
            field: field.into(),
            reason: "r".into(),
        };
        let f = finding("spec.env[name=A].value", None);
        assert!(allowance("spec.env[name=A].value").covers("p", &f));
        assert!(allowance("env[name=A].value").covers("p", &f));
        assert!(!allowance("name=A].value").covers("p", &f));
        assert!(!allowance("env[name=A].value").covers("q", &f));
    }
}
