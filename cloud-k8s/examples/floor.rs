//! The floor under any synthesizer built on k8s-openapi objects, measured on this machine.
//!
//! `cargo run --release -p girder-k8s --example floor -- FILE.yaml...` reads the objects a
//! synth wrote (for instance `dist-scale/bench/k8s/services.yaml` from the `scale` benchmark)
//! into typed k8s-openapi values, then times only what every object must go through, with no
//! construct tree, validation, wiring or file writing around it:
//!
//! - **build and drop**: cloning an object allocates and fills what building it from a
//!   construct's properties would, and dropping it frees that again;
//! - **serialize**: Girder's YAML emitter, with serde_json's compact writer beside it for scale;
//! - **all three per object**, on one thread and split over two.
//!
//! Each figure is the fastest of several rounds. `scale`'s total cannot go below the two-thread
//! figure plus process start and writing the files.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use girder_k8s::Manifest;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

/// Declares [`Object`], one variant per kind, and what the benchmark does with each.
macro_rules! objects {
    ($($kind:ident),* $(,)?) => {
        /// One typed object of a kind the benchmark reads.
        #[derive(Clone)]
        enum Object {
            $($kind(Box<$kind>),)*
        }

        impl Object {
            /// Reads one YAML document of kind `kind`.
            fn parse(kind: &str, doc: &str) -> Result<Self, String> {
                match kind {
                    $(stringify!($kind) => serde_saphyr::from_str::<$kind>(doc)
                        .map(|o| Object::$kind(Box::new(o)))
                        .map_err(|e| format!("{kind}: {e}")),)*
                    other => Err(format!(
                        "kind `{other}` is not read by this benchmark (it reads {})",
                        [$(stringify!($kind)),*].join(", ")
                    )),
                }
            }

            /// A copy wrapped as Girder's [`Manifest`]: what a construct emits.
            fn manifest(&self) -> Manifest {
                match self {
                    $(Object::$kind(o) => Manifest::new((**o).clone()),)*
                }
            }

            /// Appends the object as compact JSON.
            fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
                match self {
                    $(Object::$kind(o) => serde_json::to_writer(out, o),)*
                }
            }
        }
    };
}

objects!(
    Namespace,
    NetworkPolicy,
    Deployment,
    StatefulSet,
    Service,
    ServiceAccount,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
    ConfigMap,
    Secret,
    Ingress,
);

fn read(paths: &[String]) -> Result<Vec<Object>, String> {
    let mut objects = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        for doc in text.split("---\n").filter(|d| !d.trim().is_empty()) {
            let kind = doc
                .lines()
                .find_map(|l| l.strip_prefix("kind: "))
                .ok_or_else(|| format!("{path}: a document without `kind`"))?;
            objects.push(Object::parse(kind.trim(), doc)?);
        }
    }
    Ok(objects)
}

/// Builds, serializes and drops each object in turn; returns the bytes written.
fn pipeline(objects: &[Object]) -> Result<usize, String> {
    let mut out = String::new();
    for object in objects {
        let manifest = object.manifest();
        out.push_str("---\n");
        manifest.write_yaml(&mut out).map_err(|e| e.to_string())?;
    }
    Ok(out.len())
}

/// The fastest of `rounds` runs of `f`.
fn fastest<T>(rounds: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn run(paths: &[String]) -> Result<(), String> {
    let objects = read(paths)?;
    let rounds = 15;
    let manifests: Vec<Manifest> = objects.iter().map(Object::manifest).collect();
    let mut yaml_bytes = 0;
    let mut json_bytes = 0;
    let build_drop = fastest(rounds, || {
        for object in &objects {
            drop(std::hint::black_box(object.manifest()));
        }
    });
    let yaml = fastest(rounds, || {
        let mut out = String::new();
        for manifest in &manifests {
            out.push_str("---\n");
            let _ = manifest.write_yaml(&mut out);
        }
        yaml_bytes = out.len();
    });
    let json = fastest(rounds, || {
        let mut out = Vec::new();
        for object in &objects {
            let _ = object.write_json(&mut out);
        }
        json_bytes = out.len();
    });
    let one = fastest(rounds, || pipeline(&objects));
    let (first, second) = objects.split_at(objects.len() / 2);
    let two = fastest(rounds, || {
        std::thread::scope(|scope| {
            let other = scope.spawn(|| pipeline(second));
            let mine = pipeline(first);
            (mine, other.join())
        })
    });
    pipeline(&objects)?;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("objects:              {}", objects.len());
    println!("build and drop:       {:.2} ms", ms(build_drop));
    println!(
        "serialize YAML:       {:.2} ms ({yaml_bytes} bytes, Girder's emitter)",
        ms(yaml)
    );
    println!(
        "serialize JSON:       {:.2} ms ({json_bytes} bytes, serde_json compact)",
        ms(json)
    );
    println!("all, one thread:      {:.2} ms", ms(one));
    println!("all, two threads:     {:.2} ms", ms(two));
    Ok(())
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: floor FILE.yaml...");
        return ExitCode::from(2);
    }
    match run(&paths) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
