//! Finding projects under the paths a user gives, and running many of them in parallel.
//!
//! Results always come back in the order the projects were found (paths sorted by name), so
//! output is stable however the work was scheduled.
//!
//! A folder walk takes files whose extension names a supported format and skips what is not
//! a project to mix: backup and history files (REAPER `.rpp-bak`/`.rpp-undo`, Ardour `.bak`,
//! `.pending`, `.history`, premix's own `.premix-bak`; none has a project extension), the
//! backup folders DAWs keep beside a project (REAPER's and Live's `Backups`/`Backup`,
//! Ardour's `backup`), Ardour's `interchange/` media, and premix's temporary files. Symbolic
//! links are never followed, so a walk never leaves the tree or goes round a loop. A folder
//! named like a project (`x.rpp/`) is walked as a folder.

use crate::formats::format_for_path;
use crate::session::Format;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use walkdir::WalkDir;

/// A project file to process, and the path the user named that led to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub path: PathBuf,
    /// The file or folder given on the command line.
    pub root: PathBuf,
    pub format: Format,
}

impl Target {
    /// The path to use under an output folder: relative to the folder given, or the file's
    /// own name when a file was given.
    pub fn relative(&self) -> PathBuf {
        if self.root == self.path {
            return self.path.file_name().map(PathBuf::from).unwrap_or_default();
        }
        self.path
            .strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| self.path.clone())
    }
}

/// A path the user gave that leads to no project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAProject {
    pub path: PathBuf,
    pub reason: String,
}

/// Folders that hold copies or media, never a project to mix.
const SKIPPED_FOLDERS: [&str; 4] = ["backup", "backups", "interchange", "peaks"];

fn skipped_folder(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy().to_ascii_lowercase();
    SKIPPED_FOLDERS.contains(&name.as_str())
}

fn skipped_file(name: &std::ffi::OsStr) -> bool {
    // premix's own temporary files, and editors' lock/swap files.
    crate::write::aside::is_temp_name(name) || name.to_string_lossy().starts_with(".~lock")
}

/// In a walk, a file whose name is shared with other programs must also look like a project.
fn recognised(path: &Path) -> bool {
    let mut head = [0u8; 4096];
    let read = std::fs::File::open(path).and_then(|mut f| {
        let mut n = 0;
        while n < head.len() {
            match std::io::Read::read(&mut f, &mut head[n..])? {
                0 => break,
                k => n += k,
            }
        }
        Ok(n)
    });
    match read {
        Ok(n) => crate::formats::content_confirms(path, &head[..n]),
        // An unreadable file is kept: opening it later reports the error with its path.
        Err(_) => true,
    }
}

/// Expands files and folders into project targets. Folders are walked without following
/// symbolic links; `skip` (e.g. the output folder) is never entered.
pub fn discover(paths: &[PathBuf], skip: Option<&Path>) -> (Vec<Target>, Vec<NotAProject>) {
    let mut targets = Vec::new();
    let mut problems = Vec::new();
    let skip = skip.and_then(|s| s.canonicalize().ok());
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                problems.push(NotAProject {
                    path: root.clone(),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        if !meta.is_file() && !meta.is_dir() {
            problems.push(NotAProject {
                path: root.clone(),
                reason: "is not a project file or a folder (a named pipe, a device or a socket)"
                    .into(),
            });
            continue;
        }
        if meta.is_file() {
            match format_for_path(root) {
                Some(format) => targets.push(Target {
                    path: root.clone(),
                    root: root.clone(),
                    format,
                }),
                None => problems.push(NotAProject {
                    path: root.clone(),
                    reason: format!(
                        "not a supported project file (expected {})",
                        crate::formats::SUPPORTED_EXTENSIONS
                    ),
                }),
            }
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                if e.file_type().is_dir() {
                    let is_output = skip
                        .as_ref()
                        .is_some_and(|s| e.path().canonicalize().is_ok_and(|p| &p == s));
                    return !is_output && !skipped_folder(e.file_name());
                }
                !skipped_file(e.file_name())
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    if let Some(format) = format_for_path(e.path())
                        && recognised(e.path())
                    {
                        targets.push(Target {
                            path: e.path().to_path_buf(),
                            root: root.clone(),
                            format,
                        });
                    }
                }
                // A named pipe, a device or a socket with a project's name.
                Ok(e) if special(e.file_type()) && format_for_path(e.path()).is_some() => problems
                    .push(NotAProject {
                        path: e.path().to_path_buf(),
                        reason: "is not a regular file (a named pipe, a device or a socket)".into(),
                    }),
                Ok(_) => {}
                Err(e) => problems.push(NotAProject {
                    path: e.path().map_or_else(|| root.clone(), Path::to_path_buf),
                    reason: e.to_string(),
                }),
            }
        }
    }
    (once_each(targets), problems)
}

/// `targets` with each file once, where it first came (the same file named twice, or
/// through two paths, would otherwise be processed twice at once).
fn once_each(targets: Vec<Target>) -> Vec<Target> {
    let mut seen = std::collections::HashSet::new();
    targets
        .into_iter()
        .filter(|t| seen.insert(file_identity(&t.path)))
        .collect()
}

/// What identifies a file whatever the path to it: see [`file_identity`].
pub type FileIdentity = (u64, u64, PathBuf);

/// Neither a regular file, a folder nor a symbolic link: a named pipe, a device, a socket.
fn special(kind: std::fs::FileType) -> bool {
    !kind.is_file() && !kind.is_dir() && !kind.is_symlink()
}

/// What identifies the file at `path` (device and inode on Unix; else its canonical path,
/// or the path itself when it cannot be resolved: an error later reports it).
pub fn file_identity(path: &Path) -> FileIdentity {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::MetadataExt;
        return (meta.dev(), meta.ino(), PathBuf::new());
    }
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    (0, 0, resolved)
}

/// The paths given that are folders in which a walk found no project and no error: a user
/// who named one probably meant another (a warning, not an error).
pub fn roots_without_projects(
    paths: &[PathBuf],
    targets: &[Target],
    problems: &[NotAProject],
) -> Vec<PathBuf> {
    paths
        .iter()
        .filter(|root| root.is_dir())
        .filter(|root| !targets.iter().any(|t| &t.root == *root))
        .filter(|root| !problems.iter().any(|p| p.path.starts_with(root)))
        .cloned()
        .collect()
}

/// Runs `work` on every target on all cores; results come back in target order.
pub fn run_all<T: Send>(targets: &[Target], work: impl Fn(&Target) -> T + Sync + Send) -> Vec<T> {
    let mut results = Vec::with_capacity(targets.len());
    run_in_order(targets, &Budget::unbounded(), work, |_, result| {
        results.push(result)
    });
    results
}

/// How much memory the projects being worked on at once may take together (bytes): a
/// project takes its cost before it starts and gives it back when done, waiting while it
/// does not fit. A project that costs more than the whole budget waits until it can run
/// alone. Waiters are served in turn, so a large project is not passed over forever by small
/// ones.
pub struct Budget {
    total: u64,
    state: Mutex<BudgetState>,
    changed: Condvar,
}

struct BudgetState {
    free: u64,
    /// The next turn to hand out, and the turn being served.
    next_ticket: u64,
    serving: u64,
}

impl Budget {
    pub fn new(total: u64) -> Budget {
        Budget {
            total,
            state: Mutex::new(BudgetState {
                free: total,
                next_ticket: 0,
                serving: 0,
            }),
            changed: Condvar::new(),
        }
    }

    /// A budget nothing waits on.
    pub fn unbounded() -> Budget {
        Budget::new(u64::MAX)
    }

    /// Takes `cost` (at most the whole budget) until the guard drops, waiting for it.
    pub fn take(&self, cost: u64) -> Taken<'_> {
        let cost = cost.min(self.total);
        let mut st = lock(&self.state);
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        while st.serving != ticket || st.free < cost {
            st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.free -= cost;
        st.serving += 1;
        self.changed.notify_all();
        Taken { budget: self, cost }
    }
}

/// Memory taken from a [`Budget`], given back when dropped.
pub struct Taken<'a> {
    budget: &'a Budget,
    cost: u64,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        lock(&self.budget.state).free += self.cost;
        self.budget.changed.notify_all();
    }
}

/// Targets are scheduled in windows of this many: at most two windows' results wait to be
/// taken, whatever the number of targets.
const WINDOW: usize = 256;

/// Runs `work` on every target on all cores and hands each result to `take`, on the calling
/// thread, in target order, as soon as the results before it are in. A result is the
/// taker's once taken (shown, then dropped), so a run holds at most two windows of results
/// ([`WINDOW`] targets each) however many targets it has: memory is bounded by the largest
/// results, not by their number.
///
/// Within each window the largest projects start first and each worker takes the next one
/// when it is free, so a big project does not run alone at the end while the other cores
/// idle (on a corpus whose largest files take a third of the time, that tail is what
/// separates one thread from two). A worker that would start a target two windows ahead of
/// the next result to take waits for it instead.
///
/// A panic in `work` stops the run and is raised again on the calling thread.
///
/// Each target takes its memory cost from `budget` while it runs ([`budget_cost`]).
pub fn run_in_order<T: Send>(
    targets: &[Target],
    budget: &Budget,
    work: impl Fn(&Target) -> T + Sync + Send,
    mut take: impl FnMut(&Target, T),
) {
    let order = largest_first_in_windows(targets);
    let next = AtomicUsize::new(0);
    let state = Mutex::new(InOrder {
        done: std::collections::HashMap::new(),
        next_taken: 0,
        failed: false,
    });
    let (ready, room) = (Condvar::new(), Condvar::new());
    let workers = rayon::current_num_threads().clamp(1, targets.len().max(1));
    let worker = || {
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            {
                let mut st = lock(&state);
                while i / WINDOW > st.next_taken / WINDOW + 1 && !st.failed {
                    st = room.wait(st).unwrap_or_else(|e| e.into_inner());
                }
                if st.failed {
                    return;
                }
            }
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _memory = budget.take(budget_cost(budget, &targets[i]));
                work(&targets[i])
            }));
            let mut st = lock(&state);
            match result {
                Ok(result) => {
                    st.done.insert(i, result);
                    ready.notify_one();
                }
                Err(panic) => {
                    st.failed = true;
                    ready.notify_one();
                    room.notify_all();
                    drop(st);
                    std::panic::resume_unwind(panic);
                }
            }
        }
    };
    std::thread::scope(|scope| {
        // The workers run in rayon's pool (sized by RAYON_NUM_THREADS); this thread takes.
        let pool = scope.spawn(|| {
            rayon::scope(|s| {
                for _ in 0..workers {
                    s.spawn(|_| worker());
                }
            })
        });
        for (i, target) in targets.iter().enumerate() {
            let result = {
                let mut st = lock(&state);
                loop {
                    if let Some(r) = st.done.remove(&i) {
                        st.next_taken = i + 1;
                        break Some(r);
                    }
                    if st.failed {
                        break None;
                    }
                    st = ready.wait(st).unwrap_or_else(|e| e.into_inner());
                }
            };
            room.notify_all();
            match result {
                Some(result) => take(target, result),
                None => break,
            }
        }
        if let Err(panic) = pool.join() {
            std::panic::resume_unwind(panic);
        }
    });
}

/// What a target takes from `budget`: nothing from an unbounded one; else its scanned size
/// (for a gzipped Live set, the XML size its trailer records, which decoding holds it to)
/// times [`crate::limits::PEAK_FACTOR`].
fn budget_cost(budget: &Budget, target: &Target) -> u64 {
    if budget.total == u64::MAX {
        return 0;
    }
    scanned_bytes(target).saturating_mul(crate::limits::PEAK_FACTOR)
}

/// What the workers and the taker of [`run_in_order`] share.
struct InOrder<T> {
    /// Results done and not taken yet, by target index.
    done: std::collections::HashMap<usize, T>,
    /// The index of the next result to take.
    next_taken: usize,
    /// A worker panicked: everyone stops.
    failed: bool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Target indices window by window ([`WINDOW`]), the largest first within each.
fn largest_first_in_windows(targets: &[Target]) -> Vec<usize> {
    let mut order = Vec::with_capacity(targets.len());
    for start in (0..targets.len()).step_by(WINDOW) {
        let end = (start + WINDOW).min(targets.len());
        order.extend(
            largest_first(&targets[start..end])
                .into_iter()
                .map(|i| start + i),
        );
    }
    order
}

/// Target indices, the most work first: by the bytes premix will scan, which for a gzipped
/// Live set is its XML (the gzip trailer's ISIZE: corpus sets compress 4x to 20x).
fn largest_first(targets: &[Target]) -> Vec<usize> {
    // One target has no order to find: its size is not read (for a DAWproject, a read of
    // its central directory).
    if targets.len() < 2 {
        return (0..targets.len()).collect();
    }
    let work: Vec<u64> = targets.iter().map(scanned_bytes).collect();
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(work[i]));
    order
}

/// How many bytes reading `target` scans, as far as cheaply known (0 when unreadable: the
/// error is reported when it runs).
fn scanned_bytes(target: &Target) -> u64 {
    crate::formats::scanned_size_estimate(target.format, &target.path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn results_come_back_in_target_order_whatever_ran_first() {
        let dir = tempfile::tempdir().unwrap();
        let targets: Vec<Target> = (0..20)
            .map(|i| {
                let path = dir.path().join(format!("{i:02}.rpp"));
                // Sizes out of order, so the largest-first schedule differs from target order.
                fs::write(&path, vec![b'x'; (i * 7919) % 1000]).unwrap();
                Target {
                    path: path.clone(),
                    root: path,
                    format: Format::Rpp,
                }
            })
            .collect();
        let names = run_all(&targets, |t| t.path.clone());
        assert_eq!(
            names,
            targets.iter().map(|t| t.path.clone()).collect::<Vec<_>>()
        );
        assert!(run_all(&[], |t: &Target| t.path.clone()).is_empty());
    }

    #[test]
    fn results_are_taken_in_order_and_only_two_windows_wait_at_once() {
        use std::sync::atomic::AtomicUsize;
        static LIVE: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        struct Held(usize);
        impl Drop for Held {
            fn drop(&mut self) {
                LIVE.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let targets: Vec<Target> = (0..3000)
            .map(|i| Target {
                path: PathBuf::from(format!("/nowhere/{i}.rpp")),
                root: PathBuf::from("/nowhere"),
                format: Format::Rpp,
            })
            .collect();
        let mut taken = Vec::new();
        run_in_order(
            &targets,
            &Budget::unbounded(),
            |t| {
                let now = LIVE.fetch_add(1, Ordering::SeqCst) + 1;
                MOST.fetch_max(now, Ordering::SeqCst);
                // The first target of each window is slow: the others finish before it.
                let i: usize = t
                    .path
                    .file_stem()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                if i.is_multiple_of(WINDOW) {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Held(i)
            },
            |_, held| taken.push(held.0),
        );
        assert_eq!(taken, (0..3000).collect::<Vec<_>>());
        let most = MOST.load(Ordering::SeqCst);
        assert!(
            most <= 2 * WINDOW + rayon::current_num_threads(),
            "{most} held at once"
        );
    }

    #[test]
    fn projects_run_at_once_only_as_far_as_the_memory_budget_goes() {
        use std::sync::atomic::AtomicU64;
        let dir = tempfile::tempdir().unwrap();
        // Ten projects of 40 bytes cost 120 each: a budget of 300 runs two at a time, and a
        // project larger than the whole budget (1000 bytes) runs alone.
        let targets: Vec<Target> = (0..11)
            .map(|i| {
                let path = dir.path().join(format!("{i:02}.rpp"));
                fs::write(&path, vec![b'x'; if i == 5 { 1000 } else { 40 }]).unwrap();
                Target {
                    path: path.clone(),
                    root: path,
                    format: Format::Rpp,
                }
            })
            .collect();
        let (held, most) = (AtomicU64::new(0), AtomicU64::new(0));
        let alone = AtomicU64::new(0);
        let budget = Budget::new(300);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        pool.install(|| {
            run_in_order(
                &targets,
                &budget,
                |t| {
                    let cost = budget_cost(&budget, t).min(300);
                    let now = held.fetch_add(cost, Ordering::SeqCst) + cost;
                    most.fetch_max(now, Ordering::SeqCst);
                    if cost == 300 {
                        alone.store(u64::from(now == 300), Ordering::SeqCst);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    held.fetch_sub(cost, Ordering::SeqCst);
                },
                |_, ()| {},
            )
        });
        assert!(most.load(Ordering::SeqCst) <= 300, "{most:?}");
        assert_eq!(alone.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller() {
        let targets: Vec<Target> = (0..50)
            .map(|i| Target {
                path: PathBuf::from(format!("/nowhere/{i}.rpp")),
                root: PathBuf::from("/nowhere"),
                format: Format::Rpp,
            })
            .collect();
        let caught = std::panic::catch_unwind(|| {
            run_all(&targets, |t| {
                assert!(!t.path.ends_with("7.rpp"), "boom");
            })
        });
        assert!(caught.is_err());
    }

    #[test]
    fn walks_nested_folders_and_skips_backups_media_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let project = b"<REAPER_PROJECT 0.1\n>\n";
        for p in [
            "a/song.rpp",
            "a/b/c/deep.RPP",
            "a/song.rpp-bak",
            "a/Backups/song-2026-01-01.rpp",
            "a/Backup/old.rpp",
            "a/interchange/x/x.rpp",
            "a/.premix-abc.tmp",
            "folder.rpp/inner.rpp",
            "a/song.template",
        ] {
            let path = root.join(p);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, project).unwrap();
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root, root.join("a/loop")).unwrap();
            std::os::unix::fs::symlink(root.join("a/song.rpp"), root.join("a/link.rpp")).unwrap();
        }
        let (targets, problems) = discover(&[root.to_path_buf()], None);
        assert!(problems.is_empty(), "{problems:?}");
        let found: Vec<String> = targets
            .iter()
            .map(|t| t.relative().display().to_string())
            .collect();
        assert_eq!(
            found,
            ["a/b/c/deep.RPP", "a/song.rpp", "folder.rpp/inner.rpp"]
        );
    }
}
