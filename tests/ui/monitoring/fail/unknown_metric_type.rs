girder::metrics! {
    struct ApiMetrics { summary http_request_duration_seconds [route] }
}

fn main() {}
