//! Writing an [`Assembly`] to disk: all of it or nothing.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::engine::{Assembly, MANIFEST};
use crate::text::Text;

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The output directory exists, holds files, and was not written by Girder.
    #[error("refusing to replace `{}`: it is not empty and has no {MANIFEST}", path.display())]
    ForeignDirectory {
        /// The directory.
        path: PathBuf,
    },
    /// A file system operation failed.
    #[error("could not {action} `{}`", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// On what.
        path: PathBuf,
        /// What failed.
        #[source]
        source: io::Error,
    },
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> WriteError + 'a {
    move |source| WriteError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// Writes `assembly` to `out`, replacing what a previous synth left there.
///
/// Files go to a temporary sibling directory first, which is then renamed into place, so a
/// failure leaves the previous output untouched. A non-empty directory without Girder's
/// `manifest.json` is never replaced.
pub fn write(assembly: &Assembly, out: &Path) -> Result<(), WriteError> {
    if out.exists() {
        let mut entries = fs::read_dir(out).map_err(io_err("read", out))?;
        if !out.join(MANIFEST).is_file() && entries.next().is_some() {
            return Err(WriteError::ForeignDirectory {
                path: out.to_owned(),
            });
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err("create", &parent))?;
    let base = out
        .file_name()
        .map_or_else(|| "dist".into(), |n| n.to_string_lossy().into_owned());
    let pid = std::process::id();
    let tmp = parent.join(format!(".{base}.girder-new-{pid}"));
    let old = parent.join(format!(".{base}.girder-old-{pid}"));
    let result = write_tree(assembly, &tmp).and_then(|()| {
        if out.exists() {
            fs::rename(out, &old).map_err(io_err("move aside", out))?;
        }
        fs::rename(&tmp, out).map_err(io_err("rename into place", out))
    });
    match result {
        Ok(()) => {
            if old.exists() {
                fs::remove_dir_all(&old).map_err(io_err("remove", &old))?;
            }
            Ok(())
        }
        Err(err) => {
            let _ = fs::remove_dir_all(&tmp);
            if old.exists() && !out.exists() {
                let _ = fs::rename(&old, out);
            }
            Err(err)
        }
    }
}

fn write_tree(assembly: &Assembly, root: &Path) -> Result<(), WriteError> {
    if root.exists() {
        fs::remove_dir_all(root).map_err(io_err("remove", root))?;
    }
    fs::create_dir_all(root).map_err(io_err("create", root))?;
    let files: Vec<(&String, &Text)> = assembly.files.iter().collect();
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    if files.len() < 2 || bytes < PARALLEL_BYTES {
        return write_files(&files, root);
    }
    // Copying into the page cache is most of the work: two threads copy twice as fast. Split
    // the files where half the bytes are written.
    let mut half = 0;
    let split = files
        .iter()
        .position(|(_, text)| {
            half += text.len();
            half * 2 >= bytes
        })
        .map_or(files.len(), |i| i + 1)
        .min(files.len() - 1);
    let (first, second) = files.split_at(split);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| write_files(second, root));
        let mine = write_files(first, root);
        mine.and(other.join().unwrap_or_else(|_| {
            Err(WriteError::Io {
                action: "write",
                path: root.to_owned(),
                source: io::Error::other("the writing thread panicked"),
            })
        }))
    })
}

/// Below this many bytes in all, one thread writes every file.
const PARALLEL_BYTES: usize = 1 << 20;

/// Writes `files` below `root`.
fn write_files(files: &[(&String, &Text)], root: &Path) -> Result<(), WriteError> {
    for (rel, text) in files {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err("create", dir))?;
        }
        let mut file = fs::File::create(&path).map_err(io_err("create", &path))?;
        text.write_to(&mut file).map_err(io_err("write", &path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assembly(text: &str) -> Assembly {
        let mut a = Assembly::default();
        a.files.insert(MANIFEST.into(), "{}".into());
        a.files.insert("prod/k8s/web.yaml".into(), text.into());
        a
    }

    #[test]
    fn replaces_previous_output_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        write(&assembly("one"), &out).unwrap();
        fs::write(out.join("stale.yaml"), "x").unwrap();
        write(&assembly("two"), &out).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("prod/k8s/web.yaml")).unwrap(),
            "two"
        );
        assert!(!out.join("stale.yaml").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary directories were left behind");
    }

    #[test]
    fn never_replaces_a_foreign_directory() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = write(&assembly("one"), dir.path()).unwrap_err();
        assert!(matches!(err, WriteError::ForeignDirectory { .. }));
        assert_eq!(
            fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "mine"
        );
    }
}
