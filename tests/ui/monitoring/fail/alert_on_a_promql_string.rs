use girder::constructs::monitoring::AlertRule;
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");

fn main() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    // A string can name any metric of any workload: alerts take typed queries only.
    AlertRule::new(&ns, "requests")
        .expr("sum(rate(http_requests_total[5m])) > 10")
        .summary("Requests")
        .build();
}
