//! The reverse proxy of a Compose project: its Ingresses, served by Caddy.
//!
//! Caddy is the proxy because it gets certificates itself, both ways the Compose target needs:
//! from an ACME authority (Let's Encrypt) on a real host, and from its own local authority in
//! development (`tls internal`). Either way the private keys are made and kept inside the
//! proxy's volume: nothing Girder writes holds one, and no script runs beside it (seed 002
//! fetched its certificates with a bash script and certbot).
//!
//! The proxy is the one service that publishes host ports, 80 and 443; it listens on 8080 and
//! 8443 inside, so that it runs as a non-root user without added capabilities. Its volume is
//! given to that user by the one-shot `volume-init` service, as every non-root service's
//! volumes are (see [`mod@crate::translate`]): its root only, mounted `nocopy` so that Docker never
//! copies the image's root-owned `/data/caddy` into it. A recursive `chown` would fail on the
//! next start: without `DAC_READ_SEARCH`, root cannot enter the 0700 directories Caddy keeps
//! its keys in.
//!
//! Each Ingress rule becomes a site block per host; each path a `handle` of the same prefix
//! (`/api` matches `/api` and `/api/…`, as Kubernetes' `Prefix`), longest first, forwarding to
//! the service on its container port.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use compose_spec::service::deploy::resources::{Cpus, Limits, Resources};
use compose_spec::service::healthcheck::{Command as Check, Test};
use compose_spec::service::ports::Port;
use compose_spec::service::volumes::mount::{self, Common, Mount, Tmpfs, TmpfsOptions};
use compose_spec::service::volumes::{AbsolutePath, Volumes as Mounts};
use compose_spec::service::{
    ByteValue, ConfigOrSecret, Deploy, Healthcheck, Image, NetworkConfig, Restart, User,
};
use compose_spec::{Identifier, ListOrMap, MapKey, Service, ShortOrLong, Value};
use indexmap::{IndexMap, IndexSet};
use k8s_openapi::api::networking::v1::Ingress;

use crate::input::Input;
use crate::settings::{ProjectSettings, Tls};
use crate::translate::{EGRESS, Finding};

/// The proxy's service name.
pub const SERVICE: &str = "proxy";
/// The proxy's configuration file, beside `compose.yaml`.
pub const CADDYFILE: &str = "Caddyfile";
/// The Compose config that mounts [`CADDYFILE`] into the proxy.
pub const CONFIG: &str = "caddyfile";
/// The proxy's volume: its certificates and ACME account.
pub const VOLUME: &str = "proxy-data";
/// The proxy's image (Caddy, Alpine-based: its healthcheck uses BusyBox's `wget`).
pub const IMAGE: &str = "caddy:2.8.4-alpine";
/// The user the proxy runs as.
pub const USER: &str = "10001:10001";
const HTTP_PORT: u16 = 8080;
const HTTPS_PORT: u16 = 8443;
const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

/// One route of an Ingress: requests for `host` (any host: `None`) under `path` go to
/// `service` on container port `port`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// The host.
    pub host: Option<String>,
    /// Where the host's certificate comes from; `None`: plain HTTP.
    pub tls: Option<Tls>,
    /// The path prefix.
    pub path: String,
    /// The service.
    pub service: String,
    /// Its container port.
    pub port: i32,
}

impl PartialOrd for Tls {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Tls {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let key = |t: &Tls| match t {
            Tls::SelfSigned => (0, String::new(), false),
            Tls::Acme { email, staging } => (1, email.clone(), *staging),
        };
        key(self).cmp(&key(other))
    }
}

/// Every route of the project's Ingresses, or findings for those the proxy cannot serve.
pub(crate) fn routes(
    ingresses: &[(&Input, &Ingress)],
    certificates: &BTreeMap<String, String>,
    settings: &ProjectSettings,
    service_ports: &BTreeMap<String, BTreeMap<String, i32>>,
    errors: &mut Vec<Finding>,
) -> Vec<Route> {
    let mut routes = Vec::new();
    for (input, ingress) in ingresses {
        let Some(spec) = &ingress.spec else { continue };
        let mut tls_of: BTreeMap<String, Tls> = BTreeMap::new();
        for tls in spec.tls.iter().flatten() {
            let issuer = tls
                .secret_name
                .as_ref()
                .and_then(|secret| certificates.get(secret));
            let source = issuer.and_then(|issuer| settings.issuers.get(issuer));
            for host in tls.hosts.iter().flatten() {
                match source {
                    Some(source) => {
                        tls_of.insert(host.clone(), source.clone());
                    }
                    None => errors.push(finding(
                        input,
                        format!("TLS host `{host}` has no certificate source the proxy knows"),
                        "give the Ingress a Compose issuer: `.issuer(&ComposeIssuer::self_signed(&scope))` in development, `ComposeIssuer::acme(&scope, email)` on a host the internet reaches",
                    )),
                }
            }
        }
        if spec.default_backend.is_some() {
            errors.push(finding(
                input,
                "a default backend has no Compose form",
                "route a path (`.route(\"/\", &service)`) instead",
            ));
        }
        for rule in spec.rules.iter().flatten() {
            for path in rule.http.iter().flat_map(|h| &h.paths) {
                let Some(backend) = &path.backend.service else {
                    errors.push(finding(
                        input,
                        "a backend that is not a Service has no Compose form",
                        "route to a service of the project",
                    ));
                    continue;
                };
                let ports = service_ports.get(&backend.name);
                let port = backend
                    .port
                    .as_ref()
                    .and_then(|p| match (&p.name, p.number) {
                        (Some(name), _) => ports.and_then(|ports| ports.get(name)).copied(),
                        (None, Some(number)) => Some(number),
                        (None, None) => None,
                    });
                let Some(port) = port else {
                    errors.push(finding(
                        input,
                        format!(
                            "the route to `{}` names no port of a Service of the project",
                            backend.name
                        ),
                        "route to a service created in this scope",
                    ));
                    continue;
                };
                if path.path_type == "Exact" || path.path_type == "ImplementationSpecific" {
                    errors.push(finding(
                        input,
                        format!("path type `{}` has no Compose form", path.path_type),
                        "route by prefix",
                    ));
                    continue;
                }
                routes.push(Route {
                    host: rule.host.clone(),
                    tls: rule.host.as_ref().and_then(|h| tls_of.get(h).cloned()),
                    path: path.path.clone().unwrap_or_else(|| "/".into()),
                    service: backend.name.clone(),
                    port,
                });
            }
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

fn finding(input: &Input, message: impl Into<String>, hint: impl Into<String>) -> Finding {
    Finding {
        construct: Some(input.construct),
        object: input.object.describe(),
        message: message.into(),
        hint: hint.into(),
    }
}

/// The Caddyfile serving `routes`.
pub fn caddyfile(routes: &[Route]) -> String {
    let mut out = String::new();
    out.push_str("# Written by Girder: the reverse proxy of this Compose project.\n");
    let _ = writeln!(
        out,
        "{{\n\thttp_port {HTTP_PORT}\n\thttps_port {HTTPS_PORT}\n}}"
    );
    let mut sites: BTreeMap<(Option<String>, Option<Tls>), Vec<&Route>> = BTreeMap::new();
    for route in routes {
        sites
            .entry((route.host.clone(), route.tls.clone()))
            .or_default()
            .push(route);
    }
    for ((host, tls), mut routes) in sites {
        let address = match (&host, &tls) {
            (Some(host), Some(_)) => host.clone(),
            (Some(host), None) => format!("http://{host}"),
            (None, _) => "http://".to_owned(),
        };
        let _ = writeln!(out, "\n{address} {{");
        match &tls {
            Some(Tls::SelfSigned) => out.push_str("\ttls internal\n"),
            Some(Tls::Acme {
                email,
                staging: false,
            }) => {
                let _ = writeln!(out, "\ttls {email}");
            }
            Some(Tls::Acme {
                email,
                staging: true,
            }) => {
                let _ = writeln!(out, "\ttls {email} {{\n\t\tca {LETS_ENCRYPT_STAGING}\n\t}}");
            }
            None => {}
        }
        // Longest prefix first; `/` catches the rest.
        routes.sort_by(|a, b| b.path.len().cmp(&a.path.len()).then(a.path.cmp(&b.path)));
        for (i, route) in routes.iter().enumerate() {
            let upstream = format!("{}:{}", route.service, route.port);
            let prefix = route.path.trim_end_matches('/');
            if prefix.is_empty() {
                let _ = writeln!(out, "\thandle {{\n\t\treverse_proxy {upstream}\n\t}}");
            } else {
                let _ = writeln!(
                    out,
                    "\t@route{i} path {prefix} {prefix}/*\n\thandle @route{i} {{\n\t\treverse_proxy {upstream}\n\t}}"
                );
            }
        }
        out.push_str("}\n");
    }
    out
}

/// The proxy's service, joined to the networks of the services it routes to (`joined`).
pub(crate) fn service(joined: &BTreeSet<String>) -> (String, Service) {
    let mut proxy = Service {
        image: Image::parse(IMAGE).ok(),
        user: User::parse(USER).ok(),
        read_only: true,
        cap_drop: IndexSet::from(["ALL".to_owned()]),
        security_opt: IndexSet::from(["no-new-privileges:true".to_owned()]),
        restart: Some(Restart::UnlessStopped),
        ..Service::default()
    };
    proxy.environment = ListOrMap::Map(IndexMap::from_iter(
        [("XDG_DATA_HOME", "/data"), ("XDG_CONFIG_HOME", "/config")]
            .into_iter()
            .filter_map(|(k, v)| Some((MapKey::new(k).ok()?, Some(Value::String(v.into()))))),
    ));
    for (host, container) in [(80, HTTP_PORT), (443, HTTPS_PORT)] {
        let port = Port {
            published: compose_spec::service::ports::Range::new(host, None).ok(),
            ..Port::new(container)
        };
        proxy.ports.insert(ShortOrLong::Long(port));
    }
    let mut networks: IndexSet<Identifier> = joined
        .iter()
        .chain([&EGRESS.to_owned()])
        .filter_map(|n| Identifier::new(n.as_str()).ok())
        .collect();
    networks.sort();
    proxy.network_config = Some(NetworkConfig::Networks(ShortOrLong::Short(networks)));
    proxy.volumes = mounts(&[("/data", false)], &[("/config", 16), ("/tmp", 16)]);
    if let Ok(source) = Identifier::new(CONFIG) {
        proxy.configs.push(ShortOrLong::Long(ConfigOrSecret {
            source,
            target: Some("/etc/caddy/Caddyfile".into()),
            uid: None,
            gid: None,
            mode: None,
            extensions: IndexMap::default(),
        }));
    }
    proxy.healthcheck = Some(Healthcheck::Command(Check {
        test: Some(Test::Command(
            [
                "wget",
                "-q",
                "-O",
                "/dev/null",
                "http://127.0.0.1:2019/config/",
            ]
            .map(String::from)
            .to_vec(),
        )),
        interval: Some(std::time::Duration::from_secs(10)),
        timeout: Some(std::time::Duration::from_secs(3)),
        retries: Some(3),
        ..Check::default()
    }));
    proxy.deploy = Some(Deploy {
        replicas: Some(1),
        resources: Some(Resources {
            limits: Some(Limits {
                cpus: Cpus::new(0.5).ok(),
                memory: Some(ByteValue::Megabytes(256)),
                ..Limits::default()
            }),
            ..Resources::default()
        }),
        ..Deploy::default()
    });
    (SERVICE.to_owned(), proxy)
}

/// The proxy's volume at each of `volumes`, and a tmpfs of the size in MiB at each of `tmpfs`.
fn mounts(volumes: &[(&str, bool)], tmpfs: &[(&str, u64)]) -> Mounts {
    let mut out = Mounts::default();
    for (path, read_only) in volumes {
        if let Ok(target) = AbsolutePath::new(path) {
            out.insert(ShortOrLong::Long(Mount::Volume(mount::Volume {
                source: Identifier::new(VOLUME).ok(),
                volume: Some(mount::VolumeOptions {
                    nocopy: true,
                    ..mount::VolumeOptions::default()
                }),
                common: Common {
                    read_only: *read_only,
                    ..Common::new(target)
                },
            })));
        }
    }
    for (path, mib) in tmpfs {
        if let Ok(target) = AbsolutePath::new(path) {
            out.insert(ShortOrLong::Long(Mount::Tmpfs(Tmpfs {
                tmpfs: Some(TmpfsOptions {
                    size: Some(ByteValue::Megabytes(*mib)),
                    ..TmpfsOptions::default()
                }),
                common: Common::new(target),
            })));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(host: Option<&str>, tls: Option<Tls>, path: &str, service: &str) -> Route {
        Route {
            host: host.map(str::to_owned),
            tls,
            path: path.to_owned(),
            service: service.to_owned(),
            port: 8000,
        }
    }

    #[test]
    fn sites_by_host_longest_prefix_first() {
        let acme = Tls::Acme {
            email: "ops@example.com".into(),
            staging: false,
        };
        let text = caddyfile(&[
            route(Some("shop.example.com"), Some(acme.clone()), "/", "front"),
            route(Some("shop.example.com"), Some(acme), "/api", "api"),
            route(Some("local.test"), None, "/", "front"),
        ]);
        let shop = &text[text.find("shop.example.com {").expect("site")..];
        assert!(
            shop.starts_with("shop.example.com {\n\ttls ops@example.com\n"),
            "{text}"
        );
        let api = shop.find("@route0 path /api /api/*").expect("api route");
        let rest = shop
            .find("handle {\n\t\treverse_proxy front:8000")
            .expect("catch-all");
        assert!(api < rest, "{text}");
        assert!(text.contains("http://local.test {"), "{text}");
    }

    #[test]
    fn staging_and_self_signed() {
        let staging = Tls::Acme {
            email: "ops@example.com".into(),
            staging: true,
        };
        let text = caddyfile(&[
            route(Some("a.test"), Some(staging), "/", "a"),
            route(Some("b.test"), Some(Tls::SelfSigned), "/", "b"),
        ]);
        assert!(
            text.contains(&format!(
                "tls ops@example.com {{\n\t\tca {LETS_ENCRYPT_STAGING}"
            )),
            "{text}"
        );
        assert!(text.contains("b.test {\n\ttls internal\n"), "{text}");
        assert!(!text.contains("PRIVATE KEY"), "{text}");
    }

    #[test]
    fn the_proxy_runs_as_a_user_without_capabilities() {
        let (name, proxy) = service(&BTreeSet::from(["api".to_owned()]));
        assert_eq!(name, SERVICE);
        assert!(proxy.read_only && proxy.cap_add.is_empty());
        assert_eq!(proxy.cap_drop.iter().collect::<Vec<_>>(), ["ALL"]);
        assert_eq!(proxy.ports.len(), 2);
    }
}
