//! A worker's metrics, scraped through a PodMonitor, read as a ServiceMonitor's are: by an
//! alert, a dashboard and a scaler of the same namespace, with no generic parameter spelled out.
use girder::constructs::monitoring::{AlertRule, Dashboard, Panel, Unit, Window};
use girder::constructs::Scaler;
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::environment!(Staging = "staging");
girder::namespace!(Jobs = "jobs");
girder::metrics! {
    /// What the drain worker exposes.
    pub struct DrainMetrics {
        counter jobs_total [queue, outcome],
        gauge jobs_waiting [queue],
    }
}
girder::metrics! {
    pub struct SearchMetrics { gauge index_bytes [] }
}

fn system<E: girder::core::EnvironmentName>(env: &Environment<E>) {
    let jobs = env.kubernetes().namespace(Jobs);
    let drain = Worker::new(&jobs, "drain")
        .image("ghcr.io/acme/drain:1.0.0")
        .replicas(1..=5)
        .build();
    let metrics_port = drain.add_port(Port::tcp("metrics", 9100));
    let monitor = PodMonitor::new(&drain, &metrics_port)
        .path("/stats")
        .interval(Window::seconds(15))
        .build();
    let m = DrainMetrics::of(&monitor);
    let five = Window::minutes(5);
    drain.scale_on(Scaler::prometheus(m.jobs_waiting().value().sum(), 50));
    AlertRule::new(&jobs, "drain-failing")
        .expr(m.jobs_total().filter(|l| l.outcome.equals("failed")).rate(five).sum().gt(1.0))
        .summary("Jobs fail")
        .build();
    Dashboard::new(&jobs, "drain-overview")
        .title("Drain")
        .panels([Panel::timeseries("Waiting", Unit::Count).query("{{queue}}", m.jobs_waiting().value())])
        .build();
    // Any workload's pods: a stateful service's, on a port it added.
    let search = StatefulService::new(&jobs, "search")
        .image("ghcr.io/acme/search:1.0.0")
        .port(Port::tcp("http", 9200))
        .volume(DataVolume::new("data", "/data", Memory::gib(10)))
        .build();
    let exporter = search.add_port(Port::tcp("exporter", 9114));
    let _ = SearchMetrics::of(&PodMonitor::new(&search, &exporter).build());
}

fn main() {
    let app = App::new("shop");
    system(&app.environment(Prod));
    system(&app.environment(Staging));
}
