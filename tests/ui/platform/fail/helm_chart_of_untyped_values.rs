// A map of values is not a typed chart: `HelmChart::new` takes only the types of
// `girder::prelude::charts`; a map goes through `HelmChart::untyped` with a `Release`.
use girder::prelude::*;

girder::environment!(pub Prod = "prod");

fn main() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    k8s.gitops(GitOps::flux());
    let values = serde_json::json!({"replicaCount": 2});
    HelmChart::new(&k8s, "podinfo", values).build();
}
