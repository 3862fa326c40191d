//! A Compose project runs no Prometheus operator: a ServiceMonitor there would scrape nothing.
use girder::prelude::*;

girder::environment!(Dev = "dev");

fn main() {
    let app = App::new("shop");
    let dev = app.environment(Dev).compose();
    let api = WebService::new(&dev, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    ServiceMonitor::new(&api, api.port()).build();
}
