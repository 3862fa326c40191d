//! Writing an [`Assembly`] to disk: all of it or nothing, and never over what Girder did not
//! write.
//!
//! A new output is written into a staging directory beside the output directory and renamed
//! into place ([`Staging`]). The output directory is replaced only when it is Girder's own
//! ([`crate::output::ownership`]), checked when staging starts and again just before the
//! rename. A synthesis that was killed leaves its staging directory (or the previous output,
//! moved aside) behind: the next one to write the same output cleans it up, or puts the
//! previous output back. Each staging directory is locked (`flock`) for as long as its
//! synthesis runs, so only directories whose writer is gone are touched.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::engine::Assembly;
use crate::output::{self, NotOurs, OutputError, Previous};
use crate::text::Text;

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The output path exists and is not an output Girder wrote: it is never replaced.
    #[error("refusing to replace `{}`: {reason}", path.display())]
    ForeignDirectory {
        /// The output path.
        path: PathBuf,
        /// Why it is not Girder's.
        reason: NotOurs,
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

impl From<OutputError> for WriteError {
    fn from(e: OutputError) -> Self {
        match e {
            OutputError::NotOurs { path, reason } => WriteError::ForeignDirectory { path, reason },
            OutputError::Read { path, source } => WriteError::Io {
                action: "read",
                path,
                source,
            },
            other => WriteError::Io {
                action: "read",
                path: PathBuf::new(),
                source: io::Error::other(other.to_string()),
            },
        }
    }
}

/// Writes `assembly` to `out`, replacing what a previous synth left there.
///
/// Files go to a temporary sibling directory first, which is then renamed into place, so a
/// failure leaves the previous output untouched. A directory that is not Girder's output is
/// never replaced (see [`crate::output`]).
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
    /// The staging directory, open and locked while this value lives: a later synthesis that
    /// can lock it knows that its writer is gone. `None` where directories cannot be locked.
    _lock: Option<File>,
    previous: Option<Previous>,
    committed: bool,
}

/// Staging directories of this process so far: each gets its own name.
static STAGED: AtomicUsize = AtomicUsize::new(0);

/// The marks in the names of a staging directory and of a previous output moved aside.
const NEW: &str = "girder-new-";
const OLD: &str = "girder-old-";

impl Staging {
    /// Starts a new output for `out`: cleans up after a synthesis of `out` that was killed,
    /// checks that `out` is missing, empty or a previous Girder output, and creates the
    /// temporary directory.
    pub fn new(out: &Path) -> Result<Self, WriteError> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let base = out
            .file_name()
            .map_or_else(|| "dist".into(), |n| n.to_string_lossy().into_owned());
        recover(&parent, &base, out)?;
        let previous = output::previous_output(out)?;
        fs::create_dir_all(&parent).map_err(io_err("create", &parent))?;
        let id = format!(
            "{}-{}",
            std::process::id(),
            STAGED.fetch_add(1, Ordering::Relaxed)
        );
        let tmp = parent.join(format!(".{base}.{NEW}{id}"));
        let old = parent.join(format!(".{base}.{OLD}{id}"));
        fs::create_dir(&tmp).map_err(io_err("create", &tmp))?;
        let lock = lock(&tmp);
        Ok(Staging {
            out: out.to_owned(),
            tmp,
            old,
            _lock: lock,
            previous,
            committed: false,
        })
    }

    /// What this output replaces (its app, the exports between its stacks); `None` when there
    /// is none.
    pub fn previous(&self) -> Option<&Previous> {
        self.previous.as_ref()
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
    ///
    /// The output directory is checked once more to be Girder's, right before it is moved aside:
    /// a file added to it while this synthesis ran is not lost.
    pub fn commit(mut self) -> Result<(), WriteError> {
        output::previous_output(&self.out)?;
        // The previous output is locked before it moves aside, so that another synthesis does
        // not take it for the remains of a killed one while it is being removed.
        let previous = lock(&self.out);
        let moved = match fs::symlink_metadata(&self.out) {
            Ok(_) => fs::rename(&self.out, &self.old).map_err(io_err("move aside", &self.out)),
            Err(_) => Ok(()),
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
                drop(previous);
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

/// Opens and locks the directory `dir` for as long as the returned file lives; `None` when it
/// cannot be opened or locked (where directories cannot be opened as files).
fn lock(dir: &Path) -> Option<File> {
    let file = File::open(dir).ok()?;
    file.try_lock().ok()?;
    Some(file)
}

/// Cleans up after syntheses of `out` (named `base`, in `parent`) that were killed: removes
/// their staging directories and, when `out` itself is missing, puts back the previous output
/// that one of them had moved aside. Touches only directories named as Girder names them that
/// no running synthesis holds locked.
fn recover(parent: &Path, base: &str, out: &Path) -> Result<(), WriteError> {
    let entries = match fs::read_dir(parent) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err("read", parent)(e)),
    };
    let prefix = format!(".{base}.");
    let mut left: Vec<(bool, PathBuf)> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name();
            let rest = name.to_str()?.strip_prefix(&prefix)?;
            let old = if rest.starts_with(OLD) {
                true
            } else if rest.starts_with(NEW) {
                false
            } else {
                return None;
            };
            entry
                .file_type()
                .ok()?
                .is_dir()
                .then(|| (old, entry.path()))
        })
        .collect();
    // Previous outputs first: one may have to go back into place.
    left.sort_by(|a, b| b.cmp(a));
    for (old, dir) in left {
        // Locked by a running synthesis, or not lockable here: not ours to touch.
        let Some(held) = lock(&dir) else { continue };
        if old && fs::symlink_metadata(out).is_err() {
            fs::rename(&dir, out).map_err(io_err("restore the previous output to", out))?;
        } else {
            fs::remove_dir_all(&dir).map_err(io_err("remove", &dir))?;
        }
        drop(held);
    }
    Ok(())
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
    use crate::output::MANIFEST;
    use std::collections::BTreeMap;

    /// An assembly with one Kubernetes file holding `text`, indexed by a Girder manifest.
    fn assembly(text: &str) -> Assembly {
        let manifest = r#"{"app": "shop", "files": [{"objects": [], "path": "prod/k8s/web.yaml"}], "format": 1, "generator": "girder 0.1.0"}"#;
        let mut a = Assembly {
            files: BTreeMap::new(),
            manifest: crate::output::Manifest::parse(manifest).unwrap(),
            warnings: Default::default(),
            objects: 0,
            kubernetes: Vec::new(),
            kube_contexts: BTreeMap::new(),
            compose: BTreeMap::new(),
            resource_paths: BTreeMap::new(),
        };
        a.files.insert(MANIFEST.into(), manifest.into());
        a.files.insert("prod/k8s/web.yaml".into(), text.into());
        a
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_previous_output_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        write(&assembly("one"), &out).unwrap();
        write(&assembly("two"), &out).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("prod/k8s/web.yaml")).unwrap(),
            "two"
        );
        assert_eq!(
            names(dir.path()),
            ["dist"],
            "temporary directories were left behind"
        );
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
        assert_eq!(
            names(dir.path()),
            ["dist"],
            "the staging directory was left behind"
        );
    }

    /// Every kind of directory Girder did not write is refused with its reason, and left as it
    /// was, byte for byte.
    #[test]
    fn never_replaces_what_girder_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        type Make = Box<dyn Fn(&Path)>;
        let cases: Vec<(&str, Make)> = vec![
            (
                "files and no manifest",
                Box::new(|out| fs::write(out.join("notes.txt"), "mine").unwrap()),
            ),
            (
                "another tool's manifest.json",
                Box::new(|out| {
                    fs::write(out.join(MANIFEST), r#"{"name": "web", "start_url": "/"}"#).unwrap();
                    fs::write(out.join("index.html"), "<html>").unwrap();
                }),
            ),
            (
                "a manifest.json alone",
                Box::new(|out| fs::write(out.join(MANIFEST), "{}").unwrap()),
            ),
        ];
        for (what, make) in cases {
            let out = dir.path().join(what.replace(' ', "-"));
            fs::create_dir(&out).unwrap();
            make(&out);
            let before = names(&out);
            let err = write(&assembly("one"), &out).unwrap_err();
            assert!(
                matches!(err, WriteError::ForeignDirectory { .. }),
                "{what}: {err}"
            );
            assert_eq!(names(&out), before, "{what}: the directory changed");
        }
        // Files beside a Girder output that Girder did not write.
        let out = dir.path().join("girder-output-and-more");
        write(&assembly("one"), &out).unwrap();
        fs::write(out.join("prod/k8s/notes.txt"), "mine").unwrap();
        let err = write(&assembly("two"), &out).unwrap_err();
        assert!(
            err.to_string().contains("prod/k8s/notes.txt"),
            "the error names the file: {err}"
        );
        assert_eq!(
            fs::read_to_string(out.join("prod/k8s/notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(
            fs::read_to_string(out.join("prod/k8s/web.yaml")).unwrap(),
            "one"
        );
        // A file in place of the directory.
        let file = dir.path().join("a-file");
        fs::write(&file, "mine").unwrap();
        assert!(matches!(
            write(&assembly("one"), &file).unwrap_err(),
            WriteError::ForeignDirectory {
                reason: NotOurs::NotADirectory,
                ..
            }
        ));
        assert_eq!(fs::read_to_string(&file).unwrap(), "mine");
    }

    #[cfg(unix)]
    #[test]
    fn never_replaces_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        write(&assembly("one"), &real).unwrap();
        let link = dir.path().join("dist");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(matches!(
            write(&assembly("two"), &link).unwrap_err(),
            WriteError::ForeignDirectory {
                reason: NotOurs::Symlink,
                ..
            }
        ));
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            fs::read_to_string(real.join("prod/k8s/web.yaml")).unwrap(),
            "one"
        );
    }

    #[test]
    fn a_file_added_while_synthesizing_is_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        write(&assembly("one"), &out).unwrap();
        let staging = Staging::new(&out).unwrap();
        staging.put_assembly(&assembly("two")).unwrap();
        fs::write(out.join("late.txt"), "mine").unwrap();
        assert!(matches!(
            staging.commit(),
            Err(WriteError::ForeignDirectory { .. })
        ));
        assert_eq!(fs::read_to_string(out.join("late.txt")).unwrap(), "mine");
        assert_eq!(names(dir.path()), ["dist"]);
    }

    /// What a synthesis killed while staging leaves behind: its staging directory, unlocked.
    fn killed_while_staging(parent: &Path, previous: Option<&str>) -> PathBuf {
        if let Some(text) = previous {
            write(&assembly(text), &parent.join("dist")).unwrap();
        }
        let left = parent.join(format!(".dist.{NEW}99999-0"));
        fs::create_dir_all(left.join("prod/k8s")).unwrap();
        fs::write(left.join("prod/k8s/web.yaml"), "half").unwrap();
        left
    }

    #[test]
    fn the_next_synthesis_cleans_up_after_a_killed_one() {
        let dir = tempfile::tempdir().unwrap();
        killed_while_staging(dir.path(), Some("one"));
        assert_eq!(names(dir.path()), [".dist.girder-new-99999-0", "dist"]);
        write(&assembly("two"), &dir.path().join("dist")).unwrap();
        assert_eq!(names(dir.path()), ["dist"]);
    }

    #[test]
    fn a_previous_output_moved_aside_by_a_killed_synthesis_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        write(&assembly("one"), &out).unwrap();
        // Killed between moving the previous output aside and renaming the new one into place.
        killed_while_staging(dir.path(), None);
        fs::rename(&out, dir.path().join(format!(".dist.{OLD}99999-0"))).unwrap();
        let staging = Staging::new(&out).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("prod/k8s/web.yaml")).unwrap(),
            "one"
        );
        assert_eq!(staging.previous().map(|m| m.app.as_str()), Some("shop"));
        drop(staging);
        assert_eq!(names(dir.path()), ["dist"]);
    }

    #[test]
    fn a_running_synthesis_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        let first = Staging::new(&out).unwrap();
        first.put("prod/k8s/web.yaml", b"first").unwrap();
        let second = Staging::new(&out).unwrap();
        second.put_assembly(&assembly("second")).unwrap();
        second.commit().unwrap();
        first.put_assembly(&assembly("first")).unwrap();
        first.commit().unwrap();
        assert_eq!(
            fs::read_to_string(out.join("prod/k8s/web.yaml")).unwrap(),
            "first"
        );
        assert_eq!(names(dir.path()), ["dist"]);
    }

    #[test]
    fn a_directory_named_like_staging_but_not_girders_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        // Named like another output's staging directory, or a file: not touched.
        fs::create_dir(dir.path().join(".web.girder-new-1-0")).unwrap();
        fs::write(dir.path().join(".dist.girder-new-2-0"), "a file").unwrap();
        write(&assembly("one"), &dir.path().join("dist")).unwrap();
        assert_eq!(
            names(dir.path()),
            [".dist.girder-new-2-0", ".web.girder-new-1-0", "dist"]
        );
    }
}
