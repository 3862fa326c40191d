use std::cell::Cell;
use std::rc::Rc;

use girder::constructs::wiring::{Connection, Endpoint};

girder::environment!(Prod = "prod");

/// A connection (and with it an address) forged from an endpoint, without `connect`.
fn forge(endpoint: Endpoint) -> Connection<Prod> {
    Connection::new(endpoint, Rc::new(Cell::new(false)), Rc::new(|_| {}))
}

fn main() {
    let _ = forge;
}
