//! What is on the cluster before anything changes: what it serves, the program's objects as they
//! are, the namespaces they go to, and the ApplySets a previous deploy left (their parents and
//! members).

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt, TryStreamExt, stream};
use girder_k8s::diff::ObjectKey;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::ApiResource;
use serde_json::Value;

use crate::applyset::{
    self, CONTAINS_ANNOTATION, GroupKind, ID_LABEL, PART_OF_LABEL, Parent, TOOLING_ANNOTATION,
};
use crate::catalog::{Catalog, Resolution, Resolved};
use crate::cluster::{Cluster, ClusterError};
use crate::objects::{Desired, Identity};

/// How many requests are in flight at once.
pub(crate) const CONCURRENCY: usize = 16;

/// A parent found on the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveParent {
    /// The parent.
    pub(crate) parent: Parent,
    /// Its tooling annotation.
    pub(crate) tooling: Option<String>,
    /// The group-kinds it records.
    pub(crate) contains: BTreeSet<GroupKind>,
}

/// An object labelled as a member of one of the program's ApplySets.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// Its identity.
    pub(crate) identity: Identity,
    /// Its key (in the version it was listed in).
    pub(crate) key: ObjectKey,
    /// Its resource.
    pub(crate) resolved: Resolved,
}

/// A namespace the program uses, as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NamespaceState {
    /// It does not exist.
    Missing,
    /// It exists.
    Active,
    /// It is being deleted.
    Terminating,
}

/// What is on the cluster.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// What the cluster serves, and what the program's CRDs define.
    pub(crate) catalog: Catalog,
    /// Each of the program's objects as it is (by index), `None` when absent.
    pub(crate) live: Vec<Option<Value>>,
    /// The namespaces the program uses.
    pub(crate) namespaces: BTreeMap<String, NamespaceState>,
    /// The parents of the program's ApplySets in this environment found on the cluster.
    pub(crate) parents: Vec<LiveParent>,
    /// The members of those ApplySets, and of the ones the program has now.
    pub(crate) members: Vec<Member>,
    /// Group-kinds a parent records that the cluster no longer serves (their members cannot be
    /// listed).
    pub(crate) unserved: BTreeSet<GroupKind>,
}

/// What to read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Read<'a> {
    /// The app.
    pub(crate) app: &'a str,
    /// The environment.
    pub(crate) env: &'a str,
    /// Whether to read the program's objects as they are (not for `destroy`).
    pub(crate) objects: bool,
}

impl State {
    /// Reads the cluster for the program's `desired` objects.
    pub(crate) async fn read(
        cluster: &Cluster,
        read: Read<'_>,
        desired: &[Desired],
    ) -> Result<State, ClusterError> {
        let mut catalog = Catalog::discover(cluster).await?;
        for d in desired {
            if d.key.kind == "CustomResourceDefinition" {
                catalog.define(&d.value);
            }
        }
        let (live, listed) = if read.objects {
            read_objects(cluster, &catalog, desired).await?
        } else {
            (vec![None; desired.len()], Listed::new())
        };
        let namespaces = read_namespaces(cluster, desired).await?;
        let parents = read_parents(cluster, read, desired).await?;
        let mut state = State {
            catalog,
            live,
            namespaces,
            parents,
            members: Vec::new(),
            unserved: BTreeSet::new(),
        };
        state.members = state.read_members(cluster, desired, &listed).await?;
        Ok(state)
    }

    /// Every parent: the program's and those found, each once, with the group-kinds to list
    /// (recorded on the cluster, and the program's).
    pub(crate) fn parents<'d>(
        &self,
        desired: impl IntoIterator<Item = &'d Desired>,
    ) -> BTreeMap<Parent, BTreeSet<GroupKind>> {
        let mut parents: BTreeMap<Parent, BTreeSet<GroupKind>> = BTreeMap::new();
        for live in &self.parents {
            parents
                .entry(live.parent.clone())
                .or_default()
                .extend(live.contains.iter().cloned());
        }
        for d in desired {
            parents.entry(d.parent.clone()).or_default().insert(d.gk());
        }
        parents
    }

    /// The members of every parent: from `listed` where a kind was listed whole in the parent's
    /// namespace, else listed by the parent's `part-of` label.
    async fn read_members(
        &mut self,
        cluster: &Cluster,
        desired: &[Desired],
        listed: &Listed,
    ) -> Result<Vec<Member>, ClusterError> {
        let mut lists: Vec<(Parent, Resolved)> = Vec::new();
        for (parent, kinds) in self.parents(desired) {
            for gk in kinds {
                match self.catalog.preferred(&gk) {
                    // A namespace's parent has the namespaced members, the cluster's the others.
                    Some(resolved) if resolved.namespaced != parent.cluster => {
                        lists.push((parent.clone(), resolved.clone()));
                    }
                    Some(_) => {}
                    // The program's own kinds are checked by the preflight.
                    None if self.parents.iter().any(|l| l.contains.contains(&gk)) => {
                        self.unserved.insert(gk);
                    }
                    None => {}
                }
            }
        }
        let mut found: Vec<Vec<Member>> = Vec::new();
        lists.retain(|(parent, resolved)| {
            let namespace = if resolved.namespaced {
                parent.namespace.as_str()
            } else {
                ""
            };
            let key = (
                resolved.resource.api_version.clone(),
                resolved.resource.plural.clone(),
                namespace.to_owned(),
            );
            let Some(items) = listed.get(&key) else {
                return true;
            };
            found.push(
                items
                    .iter()
                    .filter(|(_, part_of)| part_of.as_deref() == Some(parent.id.as_str()))
                    .filter_map(|(name, _)| member(resolved, namespace.to_owned(), name.clone()))
                    .collect(),
            );
            false
        });
        let listed_now: Vec<Vec<Member>> = stream::iter(lists)
            .map(|(parent, resolved)| list_members(cluster, parent, resolved))
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        found.extend(listed_now);
        let mut members: Vec<Member> = found.into_iter().flatten().collect();
        members.sort_by(|a, b| a.identity.cmp(&b.identity));
        members.dedup_by(|a, b| a.identity == b.identity);
        Ok(members)
    }
}

/// The API of `resolved` objects in `namespace` (ignored for cluster-scoped ones).
pub(crate) fn api(cluster: &Cluster, resolved: &Resolved, namespace: &str) -> Api<DynamicObject> {
    if resolved.namespaced {
        Api::namespaced_with(cluster.client.clone(), namespace, &resolved.resource)
    } else {
        Api::all_with(cluster.client.clone(), &resolved.resource)
    }
}

/// The resource of `v1` `kind` objects.
pub(crate) fn core(kind: &str, plural: &str, namespaced: bool) -> Resolved {
    Resolved {
        resource: ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: kind.into(),
            plural: plural.into(),
        },
        namespaced,
    }
}

/// The program's objects as they are on the cluster (`None` where absent or not served), in
/// the order of `desired`. Where the program has several objects of one kind in one namespace,
/// the kind is listed there once (in pages) instead of reading each object: a redeploy of a
/// large program reads the cluster in a few requests.
async fn read_objects(
    cluster: &Cluster,
    catalog: &Catalog,
    desired: &[Desired],
) -> Result<(Vec<Option<Value>>, Listed), ClusterError> {
    let mut groups: BTreeMap<(String, String, String), (Resolved, Vec<usize>)> = BTreeMap::new();
    for (i, d) in desired.iter().enumerate() {
        if let Resolution::Served(resolved) = catalog.resolve(&d.key.api_version, &d.key.kind) {
            let group = (
                resolved.resource.api_version.clone(),
                resolved.resource.plural.clone(),
                d.key.namespace.clone(),
            );
            groups
                .entry(group)
                .or_insert_with(|| (resolved, Vec::new()))
                .1
                .push(i);
        }
    }
    let reads = groups
        .into_iter()
        .map(|(group, (resolved, items))| async move {
            let api = api(cluster, &resolved, &group.2);
            if items.len() >= LIST_FROM {
                let (found, all) = list_named(cluster, &api, &resolved, desired, &items).await?;
                return Ok((found, Some((group, all))));
            }
            let found = {
                let mut found = Vec::new();
                for i in items {
                    let d = &desired[i];
                    match api.get_opt(&d.key.name).await {
                        Ok(object) => {
                            found.push((i, object.and_then(|o| serde_json::to_value(o).ok())));
                        }
                        Err(e) => return Err(cluster.fault(&format!("reading {}", d.key), e)),
                    }
                }
                found
            };
            Ok::<_, ClusterError>((found, None))
        });
    let found: Vec<_> = stream::iter(reads)
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut live = vec![None; desired.len()];
    let mut listed = Listed::new();
    for (objects, all) in found {
        for (i, object) in objects {
            live[i] = object;
        }
        listed.extend(all);
    }
    Ok((live, listed))
}

/// The kinds listed whole in a namespace (`""` for cluster-scoped ones), by (API version,
/// plural, namespace): each object's name and `part-of` label.
type Listed = BTreeMap<(String, String, String), Vec<(String, Option<String>)>>;

/// From how many objects of one kind in one namespace the kind is listed rather than each
/// object read.
const LIST_FROM: usize = 8;

/// How many objects one page of a list holds.
const PAGE: u32 = 500;

/// The objects `items` of `desired` (all of `resolved`'s kind, in `api`'s namespace), read by
/// listing the kind; and every object listed, by name with its `part-of` label (the
/// ApplySet members among them need no second list).
#[allow(clippy::type_complexity)]
async fn list_named(
    cluster: &Cluster,
    api: &Api<DynamicObject>,
    resolved: &Resolved,
    desired: &[Desired],
    items: &[usize],
) -> Result<(Vec<(usize, Option<Value>)>, Vec<(String, Option<String>)>), ClusterError> {
    let mut by_name: BTreeMap<String, Value> = BTreeMap::new();
    let mut all = Vec::new();
    let mut params = ListParams::default().limit(PAGE);
    loop {
        let page = api.list(&params).await.map_err(|e| {
            let what = format!(
                "listing {} {}",
                resolved.resource.api_version, resolved.resource.plural
            );
            cluster.fault(&what, e)
        })?;
        for object in page.items {
            let Some(name) = object.metadata.name.clone() else {
                continue;
            };
            let part_of = object
                .metadata
                .labels
                .as_ref()
                .and_then(|labels| labels.get(PART_OF_LABEL))
                .cloned();
            all.push((name.clone(), part_of));
            let Ok(mut value) = serde_json::to_value(object) else {
                continue;
            };
            // Items of a list carry no type: they are what a read of each would give.
            value["apiVersion"] = Value::String(resolved.resource.api_version.clone());
            value["kind"] = Value::String(resolved.resource.kind.clone());
            by_name.insert(name, value);
        }
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
    }
    let found = items
        .iter()
        .map(|&i| (i, by_name.remove(&desired[i].key.name)))
        .collect();
    Ok((found, all))
}

async fn read_namespaces(
    cluster: &Cluster,
    desired: &[Desired],
) -> Result<BTreeMap<String, NamespaceState>, ClusterError> {
    let names: BTreeSet<String> = desired
        .iter()
        .filter(|d| !d.key.namespace.is_empty())
        .map(|d| d.key.namespace.clone())
        .chain(
            desired
                .iter()
                .filter(|d| d.key.api_version == "v1" && d.key.kind == "Namespace")
                .map(|d| d.key.name.clone()),
        )
        .collect();
    let namespaces = api(cluster, &core("Namespace", "namespaces", false), "");
    let gets = names.into_iter().map(|name| {
        let namespaces = namespaces.clone();
        async move {
            let found = namespaces
                .get_opt(&name)
                .await
                .map_err(|e| cluster.fault(&format!("reading namespace {name}"), e))?;
            let state = match found {
                None => NamespaceState::Missing,
                Some(ns)
                    if ns.metadata.deletion_timestamp.is_some()
                        || ns.data["status"]["phase"] == "Terminating" =>
                {
                    NamespaceState::Terminating
                }
                Some(_) => NamespaceState::Active,
            };
            Ok::<_, ClusterError>((name, state))
        }
    });
    stream::iter(gets)
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await
}

/// The parents of the app's ApplySets in environment `env` on the cluster: every namespace's
/// (found by name across namespaces, so that a namespace the program dropped is still pruned)
/// and the cluster-scoped objects'.
async fn read_parents(
    cluster: &Cluster,
    read: Read<'_>,
    desired: &[Desired],
) -> Result<Vec<LiveParent>, ClusterError> {
    let secrets = core("Secret", "secrets", true);
    let name = applyset::namespaced_parent_name(read.app, read.env);
    let all = Api::<DynamicObject>::all_with(cluster.client.clone(), &secrets.resource);
    let params = ListParams::default().fields(&format!("metadata.name={name}"));
    let mut found: Vec<(String, kube::api::ObjectMeta)> = match all.list_metadata(&params).await {
        Ok(list) => list
            .items
            .into_iter()
            .map(|item| {
                (
                    item.metadata.namespace.clone().unwrap_or_default(),
                    item.metadata,
                )
            })
            .collect(),
        // Credentials limited to some namespaces: look in the program's own.
        Err(kube::Error::Api(status)) if status.code == 403 => {
            let namespaces: BTreeSet<&str> = desired
                .iter()
                .filter(|d| !d.key.namespace.is_empty())
                .map(|d| d.key.namespace.as_str())
                .collect();
            let mut found = Vec::new();
            for namespace in namespaces {
                let api = api(cluster, &secrets, namespace);
                let item = api.get_metadata_opt(&name).await.map_err(|e| {
                    cluster.fault(&format!("reading the ApplySet parent in {namespace}"), e)
                })?;
                if let Some(item) = item {
                    found.push((namespace.to_owned(), item.metadata));
                }
            }
            found
        }
        Err(e) => return Err(cluster.fault("listing the ApplySet parents", e)),
    };
    let cluster_parent = Parent::cluster(read.app, read.env);
    let item = api(cluster, &secrets, &cluster_parent.namespace)
        .get_metadata_opt(&cluster_parent.name)
        .await
        .map_err(|e| cluster.fault("reading the ApplySet parent of cluster-scoped objects", e))?;
    if let Some(item) = item {
        found.push((cluster_parent.namespace.clone(), item.metadata));
    }
    Ok(found
        .into_iter()
        .map(|(namespace, meta)| {
            let parent = if meta.name.as_deref() == Some(cluster_parent.name.as_str()) {
                cluster_parent.clone()
            } else {
                Parent::namespaced(read.app, read.env, &namespace)
            };
            let annotations = meta.annotations.unwrap_or_default();
            let id = meta.labels.unwrap_or_default().get(ID_LABEL).cloned();
            LiveParent {
                tooling: annotations.get(TOOLING_ANNOTATION).cloned(),
                // A parent whose id is not the one Girder computes records nothing of ours.
                contains: if id.as_deref() == Some(parent.id.as_str()) {
                    annotations
                        .get(CONTAINS_ANNOTATION)
                        .map(|text| applyset::parse_contains(text))
                        .unwrap_or_default()
                } else {
                    BTreeSet::new()
                },
                parent,
            }
        })
        .collect())
}

async fn list_members(
    cluster: &Cluster,
    parent: Parent,
    resolved: Resolved,
) -> Result<Vec<Member>, ClusterError> {
    let api = api(cluster, &resolved, &parent.namespace);
    let params = ListParams::default().labels(&format!("{PART_OF_LABEL}={}", parent.id));
    let list = api.list_metadata(&params).await.map_err(|e| {
        cluster.fault(
            &format!(
                "listing the {} of ApplySet {}",
                resolved.resource.plural, parent
            ),
            e,
        )
    })?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|item| {
            let name = item.metadata.name?;
            let namespace = if resolved.namespaced {
                item.metadata.namespace.unwrap_or_default()
            } else {
                String::new()
            };
            member(&resolved, namespace, name)
        })
        .collect())
}

/// The member `name` in `namespace` (empty for cluster-scoped ones) of `resolved`'s kind.
fn member(resolved: &Resolved, namespace: String, name: String) -> Option<Member> {
    let key = key_of(&resolved.resource, &namespace, &name)?;
    Some(Member {
        identity: Identity {
            gk: GroupKind {
                group: resolved.resource.group.clone(),
                kind: resolved.resource.kind.clone(),
            },
            namespace,
            name,
        },
        key,
        resolved: resolved.clone(),
    })
}

/// The report key of the object `name` in `namespace` of `resource` (`None` only if the
/// resource has no kind).
pub(crate) fn key_of(resource: &ApiResource, namespace: &str, name: &str) -> Option<ObjectKey> {
    let mut key = ObjectKey::of(&serde_json::json!({
        "apiVersion": resource.api_version,
        "kind": resource.kind,
        "metadata": {"name": name},
    }))?;
    key.namespace = namespace.to_owned();
    Some(key)
}
