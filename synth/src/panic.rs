//! Panics while a command runs, reported as an error that says where, instead of Rust's default
//! message and exit code 101.
//!
//! A panic can come from Girder or from the program's own closures (aspects, typed edits,
//! `render` of a platform team's construct). [`catch`] runs a command and turns a panic on its
//! thread into a [`Panicked`]; the panic hook that records where it happened is installed once
//! per process and leaves every other panic (other threads, other code) to the hook that was
//! there before.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;

/// A panic caught by [`catch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Panicked {
    /// The panic's message.
    message: String,
    /// `file:line:column`, when known.
    location: Option<String>,
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: the program panicked: {}", self.message)?;
        if let Some(location) = &self.location {
            writeln!(f, "  --> {location}")?;
        }
        write!(
            f,
            "  hint: when the location is in your program (an aspect, a typed edit, a construct's \
             render), fix it there; when it is inside Girder, this is a bug in Girder: please \
             report it with this message (RUST_BACKTRACE=1 prints where it was called from)"
        )
    }
}

thread_local! {
    /// Whether this thread runs inside [`catch`].
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic on this thread inside [`catch`] happened.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs, once, a panic hook that records the location of panics inside [`catch`] and hands
/// every other panic to the previous hook.
fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            if CATCHING.get() {
                let location = info.location().map(|l| l.to_string());
                LOCATION.set(location);
                if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
                    eprintln!("{}", std::backtrace::Backtrace::force_capture());
                }
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside it becomes `Err` with its message and location.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panicked> {
    install_hook();
    let was = CATCHING.replace(true);
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.set(was);
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(a value that is not a message)".to_owned());
        Panicked {
            message,
            location: LOCATION.take(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_caught_with_its_location() {
        let line = line!() + 1;
        let caught = catch(|| -> u8 { panic!("the aspect saw {}", 42) }).unwrap_err();
        assert_eq!(caught.message, "the aspect saw 42");
        let location = caught.location.clone().unwrap_or_default();
        assert!(
            location.starts_with(&format!("synth/src/panic.rs:{line}:")),
            "{location}"
        );
        let text = caught.to_string();
        assert!(
            text.starts_with(
                "error: the program panicked: the aspect saw 42\n  --> synth/src/panic.rs:"
            ),
            "{text}"
        );
    }

    #[test]
    fn no_panic_no_error() {
        assert_eq!(catch(|| 7), Ok(7));
        assert!(!CATCHING.get());
    }
}
