//! One premix at a time per project: a lock file beside the project
//! (`.NAME.premix-lock`, see [`super::aside`]), held from before the project is read until
//! its new bytes are in place, so two runs on the same files are serialised project by
//! project and never interleave (the second reads what the first wrote).
//!
//! The lock is the operating system's advisory file lock (`flock` on Unix, `LockFileEx` on
//! Windows, through [`std::fs::File::lock`]): it goes away with the process however the
//! process ends, so a killed run never leaves a project locked. The holder removes the lock
//! file before it lets go; a waiter that then gets the lock of a file no longer in place
//! starts again with a new one.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The lock of one project, held until dropped.
#[derive(Debug)]
pub struct ProjectLock {
    file: File,
    path: PathBuf,
}

impl ProjectLock {
    /// Takes the lock of the project at `project`, waiting while another run holds it.
    ///
    /// Errors: the lock file cannot be created (a folder premix may not write to, say).
    pub fn acquire(project: &Path) -> io::Result<ProjectLock> {
        let path = super::aside::lock_path(project)?;
        loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)?;
            file.lock()?;
            // The run we waited for removed the file we locked: lock the one in place now.
            match std::fs::symlink_metadata(&path) {
                Ok(now) if super::same_file(&now, &file.metadata()?) => {
                    return Ok(ProjectLock { file, path });
                }
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for ProjectLock {
    fn drop(&mut self) {
        // Removed while still locked, so no other run holds a lock on a file that is gone
        // without noticing; the lock itself goes when the file is closed.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    #[test]
    fn holders_of_one_project_take_turns_and_leave_no_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("song.rpp");
        std::fs::write(&project, b"x").unwrap();
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (project, inside, most, start) =
                    (project.clone(), inside.clone(), most.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    for _ in 0..50 {
                        let lock = ProjectLock::acquire(&project).unwrap();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(lock);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1, "two holders at once");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["song.rpp"]);
    }
}
