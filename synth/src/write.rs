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
    let staging = Staging::new(out)?;
    staging.put_assembly(assembly)?;
    staging.commit()
}

/// A new output being written beside the one it replaces: files go to a temporary sibling of
/// the output directory, which [`Staging::commit`] renames into place. Dropped without a commit,
/// it removes what it wrote and the previous output stays as it was.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let out = dir.path().join("dist");
/// use girder_synth::write::Staging;
///
/// let staging = Staging::new(&out)?;
/// staging.put("prod/k8s/web.yaml", b"---\n")?;
/// staging.commit()?;
/// assert!(out.join("prod/k8s/web.yaml").is_file());
/// # Ok::<(), girder_synth::write::WriteError>(())
/// ```
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    tmp: PathBuf,
    old: PathBuf,
    committed: bool,
}

impl Staging {
    /// Starts a new output for `out`: checks that `out` is missing, empty or a previous Girder
    /// output, and creates the temporary directory.
    pub fn new(out: &Path) -> Result<Self, WriteError> {
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
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(io_err("remove", &tmp))?;
        }
        fs::create_dir_all(&tmp).map_err(io_err("create", &tmp))?;
        Ok(Staging {
            out: out.to_owned(),
            tmp,
            old,
            committed: false,
        })
    }

    /// Writes one file, `rel` being its path relative to the output directory. Several threads
    /// may write files at once.
    pub fn put(&self, rel: &str, contents: &[u8]) -> Result<(), WriteError> {
        let path = self.create_parent(rel)?;
        fs::write(&path, contents).map_err(io_err("write", &path))
    }

    /// Reads back a file written with [`Staging::put`].
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, WriteError> {
        let path = self.tmp.join(rel);
        fs::read(&path).map_err(io_err("read", &path))
    }

    /// Writes every file of `assembly` (see [`Staging::put_all`]).
    pub fn put_assembly(&self, assembly: &Assembly) -> Result<(), WriteError> {
        let files: Vec<(&str, &Text)> = assembly
            .files
            .iter()
            .map(|(path, text)| (path.as_str(), text))
            .collect();
        self.put_all(&files)
    }

    /// Writes `files`, by their paths relative to the output directory; when they are large,
    /// on two threads.
    pub fn put_all(&self, files: &[(&str, &Text)]) -> Result<(), WriteError> {
        let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
        if files.len() < 2 || bytes < PARALLEL_BYTES {
            return self.put_texts(files);
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
            let other = scope.spawn(|| self.put_texts(second));
            let mine = self.put_texts(first);
            mine.and(other.join().unwrap_or_else(|_| {
                Err(WriteError::Io {
                    action: "write",
                    path: self.tmp.clone(),
                    source: io::Error::other("the writing thread panicked"),
                })
            }))
        })
    }

    fn put_texts(&self, files: &[(&str, &Text)]) -> Result<(), WriteError> {
        for (rel, text) in files {
            let path = self.create_parent(rel)?;
            let mut file = fs::File::create(&path).map_err(io_err("create", &path))?;
            text.write_to(&mut file).map_err(io_err("write", &path))?;
        }
        Ok(())
    }

    /// The path of `rel` in the temporary directory, whose parent directories now exist.
    fn create_parent(&self, rel: &str) -> Result<PathBuf, WriteError> {
        let path = self.tmp.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err("create", dir))?;
        }
        Ok(path)
    }

    /// Replaces the output directory with what was written, then removes the previous output.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let moved = if self.out.exists() {
            fs::rename(&self.out, &self.old).map_err(io_err("move aside", &self.out))
        } else {
            Ok(())
        };
        let result = moved.and_then(|()| {
            fs::rename(&self.tmp, &self.out).map_err(io_err("rename into place", &self.out))
        });
        match result {
            Ok(()) => {
                self.committed = true;
                if self.old.exists() {
                    fs::remove_dir_all(&self.old).map_err(io_err("remove", &self.old))?;
                }
                Ok(())
            }
            Err(err) => {
                if self.old.exists() && !self.out.exists() {
                    let _ = fs::rename(&self.old, &self.out);
                }
                Err(err)
            }
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Below this many bytes in all, one thread writes every file.
const PARALLEL_BYTES: usize = 1 << 20;

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
    fn staging_dropped_without_commit_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        write(&assembly("one"), &out).unwrap();
        let staging = Staging::new(&out).unwrap();
        staging.put("prod/k8s/web.yaml", b"two").unwrap();
        drop(staging);
        assert_eq!(
            fs::read_to_string(out.join("prod/k8s/web.yaml")).unwrap(),
            "one"
        );
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "the staging directory was left behind");
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
