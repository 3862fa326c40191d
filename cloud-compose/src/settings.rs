//! Which environments of a program are Compose projects, and how their proxy gets
//! certificates: kept on the app's root, as the Kubernetes target keeps its kube contexts.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use girder_core::{App, NodeId};

/// Where the reverse proxy of a Compose project gets the certificate of a TLS host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// A certificate the proxy makes itself, signed by its own local authority (development):
    /// browsers warn until that authority is trusted; the key stays in the proxy's volume.
    SelfSigned,
    /// A certificate from an ACME authority (Let's Encrypt) on a host reachable from the
    /// internet on ports 80 and 443, with `email` for expiry notices.
    Acme {
        /// The account's email.
        email: String,
        /// Use Let's Encrypt's staging endpoint.
        staging: bool,
    },
}

/// What a program declared of one environment's Compose project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectSettings {
    /// The certificate sources by issuer name, as Ingresses name them.
    pub issuers: BTreeMap<String, Tls>,
}

/// The environments that are Compose projects, by name ([`Projects::of`]).
#[derive(Debug, Clone, Default)]
pub struct Projects(Rc<RefCell<BTreeMap<String, ProjectSettings>>>);

impl Projects {
    fn on(app: &App) -> Projects {
        app.attachment_or_default::<Projects>(NodeId::ROOT)
    }

    /// Declares that environment `env` of `app` is a Compose project.
    pub fn declare(app: &App, env: &str) {
        Projects::on(app)
            .0
            .borrow_mut()
            .entry(env.to_owned())
            .or_default();
    }

    /// Declares the certificate source `tls`, named `name`, of environment `env`'s project;
    /// returns the source already declared under that name, if it differs.
    pub fn issuer(app: &App, env: &str, name: &str, tls: Tls) -> Option<Tls> {
        let projects = Projects::on(app);
        let mut projects = projects.0.borrow_mut();
        let issuers = &mut projects.entry(env.to_owned()).or_default().issuers;
        match issuers.get(name) {
            Some(existing) if *existing != tls => Some(existing.clone()),
            Some(_) => None,
            None => {
                issuers.insert(name.to_owned(), tls);
                None
            }
        }
    }

    /// Every Compose project of `app`, by environment.
    pub fn of(app: &App) -> BTreeMap<String, ProjectSettings> {
        app.attachment::<Projects>(NodeId::ROOT)
            .map(|projects| projects.0.borrow().clone())
            .unwrap_or_default()
    }
}
