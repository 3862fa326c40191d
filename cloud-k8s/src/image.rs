//! Container image references, parsed by the grammar of the OCI distribution reference
//! (`[registry[:port]/]path[:tag][@algorithm:digest]`), as the kubelet reads them.
//!
//! ```
//! use girder_k8s::image::{ImageRef, Pinning};
//!
//! let image = ImageRef::parse("localhost:5000/team/app:1.0").unwrap();
//! assert_eq!(image.registry(), Some("localhost:5000"));
//! assert_eq!(image.repository(), "team/app");
//! assert_eq!(image.tag(), Some("1.0"));
//! assert_eq!(image.pinning(), Pinning::Tag);
//! assert_eq!(image.digest_form(), "localhost:5000/team/app:1.0@sha256:<digest>");
//!
//! let pinned = ImageRef::parse(&format!("ghcr.io/acme/api@sha256:{}", "a".repeat(64))).unwrap();
//! assert_eq!(pinned.pinning(), Pinning::Digest);
//! assert_eq!(ImageRef::parse("nginx").unwrap().pinning(), Pinning::Latest);
//! ```

use std::fmt;

/// Why an image reference was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// Nothing to parse.
    #[error("the image reference is empty")]
    Empty,
    /// Whitespace or a control character.
    #[error("`{image}` contains whitespace")]
    Whitespace {
        /// The reference as written.
        image: String,
    },
    /// A registry host that is not a host name or address with an optional port.
    #[error("`{registry}` is not a registry host[:port]")]
    Registry {
        /// The registry as written.
        registry: String,
    },
    /// A path component with other than lowercase letters, digits and single separators.
    #[error(
        "repository component `{component}` is not lowercase letters and digits separated by `.`, `_`, `__` or dashes"
    )]
    Component {
        /// The component as written.
        component: String,
    },
    /// A tag that is not 1 to 128 of letters, digits, `_`, `.`, `-` (not starting with `.`/`-`).
    #[error(
        "tag `{tag}` is not 1 to 128 letters, digits, `_`, `.` or `-`, starting with a letter, digit or `_`"
    )]
    Tag {
        /// The tag as written.
        tag: String,
    },
    /// A digest that is not `algorithm:hex` (64 lowercase hex digits for `sha256`).
    #[error("digest `{digest}` is not `sha256:` and 64 lowercase hex digits")]
    Digest {
        /// The digest as written.
        digest: String,
    },
    /// The name is longer than the 255 characters registries accept.
    #[error("the repository name is {len} characters long, above 255")]
    TooLong {
        /// Its length.
        len: usize,
    },
}

/// How firmly a reference names one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pinning {
    /// A digest (with or without a tag): always the same bytes.
    Digest,
    /// A tag other than `latest`, which the registry can move to other bytes.
    Tag,
    /// No tag, or `latest`: whatever was pushed last.
    Latest,
}

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    registry: Option<String>,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageRef {
    /// Parses `image`; never panics.
    pub fn parse(image: &str) -> Result<ImageRef, ImageError> {
        if image.is_empty() {
            return Err(ImageError::Empty);
        }
        if image.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ImageError::Whitespace {
                image: image.to_owned(),
            });
        }
        let (name, digest) = match image.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (image, None),
        };
        if let Some(digest) = digest
            && !valid_digest(digest)
        {
            return Err(ImageError::Digest {
                digest: digest.to_owned(),
            });
        }
        // The tag is after the last `:` that follows the last `/` (a registry port comes before).
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
            None => (name, None),
        };
        if let Some(tag) = tag
            && !valid_tag(tag)
        {
            return Err(ImageError::Tag {
                tag: tag.to_owned(),
            });
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), rest)
            }
            _ => (None, name),
        };
        if let Some(registry) = registry
            && !valid_registry(registry)
        {
            return Err(ImageError::Registry {
                registry: registry.to_owned(),
            });
        }
        if let Some(component) = path.split('/').find(|c| !valid_component(c)) {
            return Err(ImageError::Component {
                component: component.to_owned(),
            });
        }
        if name.len() > 255 {
            return Err(ImageError::TooLong { len: name.len() });
        }
        Ok(ImageRef {
            registry: registry.map(str::to_owned),
            repository: path.to_owned(),
            tag: tag.map(str::to_owned),
            digest: digest.map(str::to_owned),
        })
    }

    /// The registry host and port, when the reference names one (`docker.io` otherwise).
    pub fn registry(&self) -> Option<&str> {
        self.registry.as_deref()
    }

    /// The repository path, e.g. `acme/api`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, if any.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (`sha256:…`), if any.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// How firmly the reference names one image.
    pub fn pinning(&self) -> Pinning {
        match (&self.digest, self.tag.as_deref()) {
            (Some(_), _) => Pinning::Digest,
            (None, None | Some("latest")) => Pinning::Latest,
            (None, Some(_)) => Pinning::Tag,
        }
    }

    /// The reference pinned by digest, with a placeholder for the digest, for a hint:
    /// `ghcr.io/acme/api:1.4.2@sha256:<digest>`.
    pub fn digest_form(&self) -> String {
        let ImageRef {
            registry,
            repository,
            tag,
            ..
        } = self;
        let registry = registry
            .as_deref()
            .map(|r| format!("{r}/"))
            .unwrap_or_default();
        let tag = tag
            .as_deref()
            .filter(|t| *t != "latest")
            .map(|t| format!(":{t}"))
            .unwrap_or_default();
        format!("{registry}{repository}{tag}@sha256:<digest>")
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(registry) = &self.registry {
            write!(f, "{registry}/")?;
        }
        f.write_str(&self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// `[a-z0-9]+` joined by `.`, `_`, `__` or one or more `-`.
fn valid_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    // Runs of separators: `.`, `_`, `__`, or dashes only.
    let mut run = String::new();
    for &b in bytes {
        if alnum(&b) {
            if !run.is_empty()
                && !matches!(run.as_str(), "." | "_" | "__")
                && !run.bytes().all(|r| r == b'-')
            {
                return false;
            }
            run.clear();
        } else if matches!(b, b'.' | b'_' | b'-') {
            run.push(char::from(b));
        } else {
            return false;
        }
    }
    true
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn valid_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-')
}

/// `sha256:` and 64 lowercase hex digits, or another algorithm and at least 32 hex digits.
fn valid_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let hex_ok = hex.len() >= 32
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let algorithm_ok = !algorithm.is_empty()
        && algorithm.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'.' | b'_' | b'-')
        });
    hex_ok && algorithm_ok && (algorithm != "sha256" || hex.len() == 64)
}

/// A host name or IPv4 address (labels of letters, digits and dashes), or `[IPv6]`, with an
/// optional numeric port.
fn valid_registry(registry: &str) -> bool {
    let (host, port) = match registry.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && !port.contains(']') => (host, Some(port)),
        _ => (registry, None),
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
    } else {
        !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_registries_ports_tags_and_digests() {
        /// Text, registry, repository, tag, has a digest, pinning.
        type Case = (
            String,
            Option<&'static str>,
            &'static str,
            Option<&'static str>,
            bool,
            Pinning,
        );
        let cases: [Case; 9] = [
            ("nginx".into(), None, "nginx", None, false, Pinning::Latest),
            (
                "nginx:latest".into(),
                None,
                "nginx",
                Some("latest"),
                false,
                Pinning::Latest,
            ),
            (
                "redis:7.4.1-bookworm".into(),
                None,
                "redis",
                Some("7.4.1-bookworm"),
                false,
                Pinning::Tag,
            ),
            (
                "ghcr.io/acme/api:1.4.2".into(),
                Some("ghcr.io"),
                "acme/api",
                Some("1.4.2"),
                false,
                Pinning::Tag,
            ),
            (
                "localhost:5000/app:1.0".into(),
                Some("localhost:5000"),
                "app",
                Some("1.0"),
                false,
                Pinning::Tag,
            ),
            (
                "localhost:5000/app".into(),
                Some("localhost:5000"),
                "app",
                None,
                false,
                Pinning::Latest,
            ),
            (
                "localhost/app".into(),
                Some("localhost"),
                "app",
                None,
                false,
                Pinning::Latest,
            ),
            (
                format!("ghcr.io/acme/api@{DIGEST}"),
                Some("ghcr.io"),
                "acme/api",
                None,
                true,
                Pinning::Digest,
            ),
            (
                format!("ghcr.io/acme/api:1.4.2@{DIGEST}"),
                Some("ghcr.io"),
                "acme/api",
                Some("1.4.2"),
                true,
                Pinning::Digest,
            ),
        ];
        for (text, registry, repository, tag, digest, pinning) in cases {
            let image = ImageRef::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(image.registry(), registry, "{text}");
            assert_eq!(image.repository(), repository, "{text}");
            assert_eq!(image.tag(), tag, "{text}");
            assert_eq!(image.digest().is_some(), digest, "{text}");
            assert_eq!(image.pinning(), pinning, "{text}");
            assert_eq!(image.to_string(), text);
        }
    }

    #[test]
    fn the_digest_form_keeps_registry_and_tag() {
        let form = |s: &str| ImageRef::parse(s).map(|i| i.digest_form());
        assert_eq!(
            form("ghcr.io/acme/api:1.4.2").as_deref(),
            Ok("ghcr.io/acme/api:1.4.2@sha256:<digest>")
        );
        assert_eq!(form("nginx:latest").as_deref(), Ok("nginx@sha256:<digest>"));
        assert_eq!(
            form("localhost:5000/app").as_deref(),
            Ok("localhost:5000/app@sha256:<digest>")
        );
    }

    #[test]
    fn refuses_malformed_references() {
        for (text, expected) in [
            ("", ImageError::Empty),
            (
                "ghcr.io/acme/api: 1",
                ImageError::Whitespace {
                    image: "ghcr.io/acme/api: 1".into(),
                },
            ),
            (
                "ghcr.io/Acme/api:1",
                ImageError::Component {
                    component: "Acme".into(),
                },
            ),
            (
                "ghcr.io//api:1",
                ImageError::Component {
                    component: String::new(),
                },
            ),
            (
                "ghcr.io/acme/api-:1",
                ImageError::Component {
                    component: "api-".into(),
                },
            ),
            (
                "ghcr.io/acme/a..b:1",
                ImageError::Component {
                    component: "a..b".into(),
                },
            ),
            ("ghcr.io/acme/api:", ImageError::Tag { tag: String::new() }),
            ("ghcr.io/acme/api:.1", ImageError::Tag { tag: ".1".into() }),
            (
                "ghcr.io/acme/api@sha256:abc",
                ImageError::Digest {
                    digest: "sha256:abc".into(),
                },
            ),
            (
                "ghcr.io/acme/api@",
                ImageError::Digest {
                    digest: String::new(),
                },
            ),
            (
                "local_host:5000/app:1",
                ImageError::Registry {
                    registry: "local_host:5000".into(),
                },
            ),
            (
                "localhost:50x0/app:1",
                ImageError::Registry {
                    registry: "localhost:50x0".into(),
                },
            ),
        ] {
            assert_eq!(ImageRef::parse(text), Err(expected), "{text}");
        }
        let long = format!("ghcr.io/{}:1", "a".repeat(300));
        assert!(matches!(
            ImageRef::parse(&long),
            Err(ImageError::TooLong { .. })
        ));
        let long_tag = format!("ghcr.io/a:{}", "1".repeat(129));
        assert!(matches!(
            ImageRef::parse(&long_tag),
            Err(ImageError::Tag { .. })
        ));
        // Components may use the separators the grammar allows.
        assert!(ImageRef::parse("ghcr.io/a__b/c--d/e.f/g_h:1").is_ok());
    }
}
