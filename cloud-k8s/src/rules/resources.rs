//! Container resources on the final objects: every CPU and memory request and limit is a
//! quantity, and each limit is at or above its request (the API server refuses a pod whose limit
//! is below its request).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodSpec, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::Finding;
use crate::quantity::{Cpu, Memory};

/// Checks the resources of every container of a pod template (`field` as in
/// [`super::pod_security::check`]).
pub fn check(object: &str, field: &str, spec: &PodSpec, out: &mut Vec<Finding>) {
    let prefix = if field.is_empty() {
        String::new()
    } else {
        format!("{field}.")
    };
    let containers = spec.containers.iter().map(|c| ("containers", c)).chain(
        spec.init_containers
            .iter()
            .flatten()
            .map(|c| ("initContainers", c)),
    );
    for (list, c) in containers {
        let Some(r) = &c.resources else { continue };
        let at = format!("{prefix}spec.{list}[name={}].resources", c.name);
        check_one::<Cpu>(object, &at, &c.name, r, "cpu", out);
        check_one::<Memory>(object, &at, &c.name, r, "memory", out);
    }
}

fn quantity<'a>(map: &'a Option<BTreeMap<String, Quantity>>, key: &str) -> Option<&'a str> {
    map.as_ref()?.get(key).map(|q| q.0.as_str())
}

fn check_one<Q>(
    object: &str,
    at: &str,
    container: &str,
    r: &ResourceRequirements,
    key: &str,
    out: &mut Vec<Finding>,
) where
    Q: std::str::FromStr + Ord + std::fmt::Display,
{
    let mut parse = |map: &Option<BTreeMap<String, Quantity>>, what: &str, field: &str| {
        let text = quantity(map, key)?;
        let parsed = text.parse::<Q>().ok();
        if parsed.is_none() {
            out.push(Finding::new(
                object,
                format!("{at}.{field}.{key}"),
                format!("container `{container}`: {key} {what} `{text}` is not a quantity"),
                "use the typed constructors, e.g. `Cpu::millis(250)` or `Memory::mib(256)`",
            ));
        }
        parsed
    };
    let request = parse(&r.requests, "request", "requests");
    let limit = parse(&r.limits, "limit", "limits");
    if let (Some(request), Some(limit)) = (request, limit)
        && limit < request
    {
        out.push(Finding::new(
            object,
            format!("{at}.limits.{key}"),
            format!("container `{container}`: {key} limit {limit} is below its request {request}"),
            format!("raise the {key} limit to at least {request}, or lower the request"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Container;

    fn spec(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> PodSpec {
        let map = |pairs: &[(&str, &str)]| {
            Some(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Quantity((*v).to_owned())))
                    .collect(),
            )
        };
        PodSpec {
            containers: vec![Container {
                name: "api".into(),
                resources: Some(ResourceRequirements {
                    requests: map(requests),
                    limits: map(limits),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn messages(spec: &PodSpec) -> Vec<String> {
        let mut out = Vec::new();
        check("o", "spec.template", spec, &mut out);
        out.into_iter().map(|f| f.message()).collect()
    }

    #[test]
    fn limits_below_requests_and_bad_quantities_are_refused() {
        assert!(messages(&spec(&[("cpu", "250m")], &[("cpu", "1")])).is_empty());
        assert_eq!(
            messages(&spec(&[("memory", "1Gi")], &[("memory", "512Mi")])),
            [
                "spec.template.spec.containers[name=api].resources.limits.memory: container `api`: memory limit 512Mi is below its request 1Gi"
            ]
        );
        assert_eq!(messages(&spec(&[("cpu", "lots")], &[])).len(), 1);
    }
}
