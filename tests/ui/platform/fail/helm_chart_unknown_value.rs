// A typed chart's values are the keys Girder knows: a key the chart does not read (KEDA's
// operator has `replica_count`, not `replicas`) does not compile.
use girder::prelude::*;

girder::environment!(pub Prod = "prod");

fn main() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    k8s.gitops(GitOps::flux());
    let keda = charts::Keda {
        operator: Some(charts::KedaOperator { replicas: Some(2) }),
        ..Default::default()
    };
    HelmChart::new(&k8s, "keda", keda).build();
}
