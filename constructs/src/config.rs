//! [`config!`](crate::config!): ConfigMaps the program creates, with typed keys and a value
//! for each, checked at compile time; [`ConfigMapSpec`] is their model.

use std::collections::BTreeMap;

use girder_core::{
    Aspect, Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Visit, name,
};
use girder_k8s::k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use girder_k8s::k8s_openapi::api::core::v1::{ConfigMap, PodSpec};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use girder_k8s::labels::Labels;
use girder_k8s::{Manifest, Namespace, NamespaceName};

use crate::secret::{KeySource, KeyedObject};

/// The largest ConfigMap Kubernetes stores (the data of one object in etcd).
const MAX_BYTES: usize = 1024 * 1024;

/// The prefix of the pod-template annotation that carries a ConfigMap's checksum.
pub const CHECKSUM_ANNOTATION_PREFIX: &str = "config.girder.dev/";

/// The model of a ConfigMap created with [`config!`](crate::config!): what aspects see when
/// they visit it.
#[derive(Debug)]
pub struct ConfigMapSpec {
    name: String,
    namespace: &'static str,
    data: Vec<(&'static str, String)>,
}

impl ConfigMapSpec {
    /// Adds the ConfigMap `id` with `data` to `namespace` and returns it: what the `create`
    /// function that [`config!`](crate::config!) generates calls.
    #[doc(hidden)]
    pub fn add<E: EnvironmentName, N: NamespaceName>(
        namespace: &Namespace<E, N>,
        id: &str,
        data: &[(&'static str, &str)],
    ) -> KeyedObject<E, N> {
        let name = namespace.object_name(id);
        let spec = ConfigMapSpec {
            name: name.clone(),
            namespace: N::NAME,
            data: data.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        };
        namespace.environment().aspect(RollOnChange {
            namespace: N::NAME,
            name: name.clone(),
            checksum: spec.checksum(),
        });
        namespace.app().add(namespace.node(), id, spec);
        KeyedObject::from_parts(&name, KeySource::ConfigMap)
    }

    /// The ConfigMap's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its keys and values, in the order they were declared.
    pub fn data(&self) -> impl Iterator<Item = (&str, &str)> {
        self.data.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// FNV-1a of the data in key order, as 16 hex digits.
    fn checksum(&self) -> String {
        let sorted: BTreeMap<&str, &str> = self.data().collect();
        let mut bytes = Vec::new();
        for (k, v) in sorted {
            bytes.extend_from_slice(k.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(v.as_bytes());
            bytes.push(0);
        }
        format!("{:016x}", name::fnv1a(&bytes))
    }
}

/// The first in-cluster Service host `value` names (`x.ns.svc` or `x.ns.svc.cluster.local`).
fn service_host(value: &str) -> Option<&str> {
    value
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .map(|host| host.trim_end_matches('.'))
        .find(|host| host.ends_with(".svc") || host.ends_with(".svc.cluster.local"))
}

/// Whether `key` is a valid ConfigMap key: `[-._a-zA-Z0-9]+`, at most 253 characters.
fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key != "."
        && key != ".."
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

impl Construct for ConfigMapSpec {
    fn kind(&self) -> &'static str {
        "ConfigMap"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        if self.data.is_empty() {
            diags.push(
                Diagnostic::error(path, "the ConfigMap declares no key")
                    .hint("declare its keys in `config!`, or remove it"),
            );
        }
        let mut size = 0;
        for (i, (key, value)) in self.data.iter().enumerate() {
            size += key.len() + value.len();
            if !valid_key(key) {
                diags.push(
                    Diagnostic::error(path, format!("`{key}` is not a valid ConfigMap key"))
                        .hint("use letters, digits, '-', '_' and '.', e.g. `LOG_LEVEL`"),
                );
            }
            if self.data[..i].iter().any(|(k, _)| k == key) {
                diags.push(
                    Diagnostic::error(path, format!("key `{key}` is declared twice"))
                        .hint("give every key its own name in `config!`"),
                );
            }
            if let Some(host) = service_host(value) {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("the value of `{key}` names the in-cluster Service `{host}`"),
                    )
                    .cause("an address in a ConfigMap reaches the workload around the wiring, so no NetworkPolicy allows the flow")
                    .hint("`connect` the workload to the server and pass the address from the connection, e.g. `.env(\"DB_HOST\", conn.host())`"),
                );
            }
        }
        if size > MAX_BYTES {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("the ConfigMap holds {size} bytes, more than Kubernetes' 1 MiB"),
                )
                .hint("split it into several ConfigMaps, or ship large files in the image"),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "config-map");
        out.emit(Manifest::new(ConfigMap {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.namespace.to_owned()),
                labels: Some(labels.all()),
                ..Default::default()
            },
            data: Some(
                self.data()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            ),
            ..Default::default()
        }));
    }
}

/// Annotates the pod template of every long-running workload of the ConfigMap's namespace that
/// reads it with the checksum of its data, so that a changed value rolls the pods.
struct RollOnChange {
    namespace: &'static str,
    name: String,
    checksum: String,
}

impl RollOnChange {
    fn reads(&self, spec: &PodSpec) -> bool {
        let containers = spec
            .containers
            .iter()
            .chain(spec.init_containers.iter().flatten());
        let from_env = containers.clone().any(|c| {
            c.env.iter().flatten().any(|e| {
                e.value_from
                    .as_ref()
                    .and_then(|v| v.config_map_key_ref.as_ref())
                    .is_some_and(|r| r.name == self.name)
            })
        });
        let from_env_from = containers.clone().any(|c| {
            c.env_from.iter().flatten().any(|e| {
                e.config_map_ref
                    .as_ref()
                    .is_some_and(|r| r.name == self.name)
            })
        });
        let from_volume = spec
            .volumes
            .iter()
            .flatten()
            .any(|v| v.config_map.as_ref().is_some_and(|c| c.name == self.name));
        from_env || from_env_from || from_volume
    }
}

/// The pod template's metadata of a Deployment, StatefulSet or DaemonSet. Jobs are left alone:
/// their template is immutable, and each run reads the current values anyway.
fn template_meta(m: &mut Manifest) -> Option<&mut ObjectMeta> {
    let template = if m.downcast_ref::<Deployment>().is_some() {
        &mut m.downcast_mut::<Deployment>()?.spec.as_mut()?.template
    } else if m.downcast_ref::<StatefulSet>().is_some() {
        &mut m.downcast_mut::<StatefulSet>()?.spec.as_mut()?.template
    } else {
        &mut m.downcast_mut::<DaemonSet>()?.spec.as_mut()?.template
    };
    Some(template.metadata.get_or_insert_with(ObjectMeta::default))
}

impl Aspect<Manifest> for RollOnChange {
    fn visit(&self, m: &mut Manifest, _visit: &mut Visit<'_>) {
        let object = m.object();
        if object.meta().namespace.as_deref() != Some(self.namespace)
            || !object.pod_spec().is_some_and(|spec| self.reads(spec))
        {
            return;
        }
        if let Some(meta) = template_meta(m) {
            meta.annotations.get_or_insert_with(BTreeMap::new).insert(
                format!("{CHECKSUM_ANNOTATION_PREFIX}{}", self.name),
                self.checksum.clone(),
            );
        }
    }
}

/// Declares a ConfigMap the program creates: its keys, each reached through a method, and a
/// struct with a value for each.
///
/// `config! { pub struct Settings(SettingsValues) { log_level = "LOG_LEVEL", region } }`
/// declares
/// * `Settings<E, N>`, the shape, exactly as [`config_map!`](crate::config_map) declares it:
///   `Settings::existing`, and the methods `log_level()` and `region()` returning the
///   [`Key`](crate::Key)s `LOG_LEVEL` and `region`, usable as environment values only in the
///   ConfigMap's namespace;
/// * `SettingsValues<'a>`, with one `&str` field per key;
/// * `Settings::create(&namespace, "id", SettingsValues { .. })`, which adds the ConfigMap to the
///   namespace (named like any construct `id` there) and returns its shape.
///
/// Unlike [`config_map!`](crate::config_map), which declares the shape of a ConfigMap that
/// exists already, the program creates this one, and every declared key needs a value: a
/// missing one does not compile.
///
/// ```
/// use girder_constructs::{WebService, config};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Trading = "trading");
/// config! {
///     /// The matching engine's settings.
///     pub struct EngineConfig(EngineSettings) {
///         /// Milliseconds between two matching rounds.
///         matching_tick_ms = "MATCHING_TICK_MS",
///         log_level = "LOG_LEVEL",
///     }
/// }
///
/// let app = App::new("exchange");
/// let ns = app.environment(Prod).kubernetes().namespace(Trading);
/// let config = EngineConfig::create(
///     &ns,
///     "engine-config",
///     EngineSettings { matching_tick_ms: "5", log_level: "info" },
/// );
/// let engine = WebService::new(&ns, "engine").image("ghcr.io/acme/engine:1.0.0").port(8080).build();
/// engine
///     .env("MATCHING_TICK_MS", config.matching_tick_ms())
///     .env("LOG_LEVEL", config.log_level());
/// assert_eq!(config.name(), "engine-config");
/// ```
///
/// A key without a value does not compile:
///
/// ```compile_fail
/// # use girder_constructs::config;
/// # use girder_k8s::KubernetesExt;
/// # girder_core::environment!(pub Prod = "prod");
/// # girder_k8s::namespace!(pub Trading = "trading");
/// # config! { pub struct EngineConfig(EngineSettings) { matching_tick_ms, log_level } }
/// # let app = girder_core::App::new("exchange");
/// # let ns = app.environment(Prod).kubernetes().namespace(Trading);
/// let config = EngineConfig::create(&ns, "engine-config", EngineSettings { log_level: "info" });
/// ```
///
/// What synth rejects, with the construct path and a hint: a value that looks like a secret (a
/// key named like one, a private key, a URL with a password: synthesis checks every object as
/// written, see `girder_core::secrets`), which belongs in a Secret; a value that names a Service
/// of the cluster (`*.svc`, `*.svc.cluster.local`: addresses come from `connect`, so that the
/// NetworkPolicies allow the flow); a key Kubernetes does not accept; data over 1 MiB.
///
/// **Rollouts.** A pod reads its environment when it starts, so a changed value would reach it
/// only at its next restart. The Deployments, StatefulSets and DaemonSets that read a created
/// ConfigMap therefore carry the checksum of its data in their pod template's annotation
/// `config.girder.dev/<configmap-name>`: changing a value rolls them out.
#[macro_export]
macro_rules! config {
    ($(#[$meta:meta])* $vis:vis struct $ty:ident($values:ident) { $($(#[$kmeta:meta])* $key:ident $(= $rename:literal)?),* $(,)? }) => {
        $crate::__keyed_object!(ConfigMap, $(#[$meta])* $vis struct $ty { $($(#[$kmeta])* $key $(= $rename)?),* });

        #[doc = concat!("The values of a [`", stringify!($ty), "`] ConfigMap the program creates, one per key.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis struct $values<'a> {
            $(
                #[doc = concat!("The value of `", $crate::__key_name!($key $(= $rename)?), "`.")]
                $(#[$kmeta])*
                pub $key: &'a str,
            )*
        }

        impl<E: $crate::__private::EnvironmentName, N: $crate::__private::NamespaceName> $ty<E, N> {
            /// Creates the ConfigMap `id` in `namespace` with `values`, and returns its shape.
            pub fn create(
                namespace: &$crate::__private::Namespace<E, N>,
                id: &str,
                values: $values<'_>,
            ) -> Self {
                $ty {
                    object: $crate::ConfigMapSpec::add(
                        namespace,
                        id,
                        &[$(($crate::__key_name!($key $(= $rename)?), values.$key)),*],
                    ),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spots_addresses() {
        assert_eq!(
            service_host("redis://redis.exchange.svc.cluster.local:6379"),
            Some("redis.exchange.svc.cluster.local")
        );
        assert_eq!(
            service_host("db.exchange.svc:5432"),
            Some("db.exchange.svc")
        );
        assert_eq!(service_host("SOL_USDC,BTC_USDC"), None);
        assert!(valid_key("LOG_LEVEL") && valid_key("app.conf") && !valid_key("a b"));
    }
}
