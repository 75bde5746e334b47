//! Nothing is ever lost (issue #14): concurrent runs, a save landing while premix writes, a
//! kill during the backup, ownership, a corrupted write, outputs over inputs. Each test runs
//! the real binary (or the library path it takes) and checks the bytes on disk.

mod common;
#[path = "../benches/gen/mod.rs"]
mod projgen;

use premix::pipeline::Sink;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn premix() -> Command {
    Command::new(env!("CARGO_BIN_EXE_premix"))
}

fn run(args: &[&str]) -> Output {
    premix().args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sample_bytes() -> Vec<u8> {
    fs::read(common::sample("reaper/messy-session.rpp")).unwrap()
}

/// File names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// premix's temporary and lock files anywhere under `dir`.
fn litter(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".tmp") || name.ends_with(".premix-lock")
        })
        .collect()
}

/// What one run of the default rules makes of the sample, written with `--out`.
fn expected_output(original: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("song.rpp");
    fs::write(&input, original).unwrap();
    let out = dir.path().join("out");
    let done = run(&[
        "apply",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    fs::read(out.join("song.rpp")).unwrap()
}

#[test]
fn two_runs_at_once_on_the_same_projects_keep_one_complete_backup_each() {
    let original = sample_bytes();
    let expected = expected_output(&original);
    let dir = tempfile::tempdir().unwrap();
    for i in 0..200 {
        let sub = dir.path().join(format!("s{}", i % 10));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(format!("p{i:03}.rpp")), &original).unwrap();
    }
    let root = dir.path().to_str().unwrap();
    let spawn = || {
        premix()
            .args(["apply", root, "--in-place", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    for i in 0..200 {
        let sub = dir.path().join(format!("s{}", i % 10));
        let project = sub.join(format!("p{i:03}.rpp"));
        // The second run to reach a project read what the first wrote: nothing more to do.
        assert!(
            fs::read(&project).unwrap() == expected,
            "{}",
            project.display()
        );
        let backup = sub.join(format!("p{i:03}.rpp.premix-bak"));
        assert!(
            fs::read(&backup).unwrap() == original,
            "{}",
            backup.display()
        );
        assert!(!sub.join(format!("p{i:03}.rpp.premix-bak.2")).exists());
    }
    assert!(litter(dir.path()).is_empty(), "{:?}", litter(dir.path()));
}

#[test]
fn the_same_file_named_twice_is_processed_once() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("song.rpp");
    fs::write(&project, sample_bytes()).unwrap();
    let p = project.to_str().unwrap();
    let dotted = format!("{}/./song.rpp", dir.path().display());
    let done = run(&["apply", p, &dotted, p, "--in-place"]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(
        text(&done.stdout).contains("premix: 1 project:"),
        "{}",
        text(&done.stdout)
    );
    assert_eq!(names(dir.path()), ["song.rpp", "song.rpp.premix-bak"]);
}

/// Saves `edit` into `project` the way a DAW does: in place (truncate and write) or by
/// writing a new file and renaming it over the project.
fn save(project: &Path, edit: &[u8], by_rename: bool) {
    if by_rename {
        let aside = project.with_extension("daw-save");
        fs::write(&aside, edit).unwrap();
        fs::rename(&aside, project).unwrap();
    } else {
        fs::write(project, edit).unwrap();
    }
}

#[test]
fn a_save_landing_as_soon_as_the_backup_appears_is_never_lost() {
    let original = projgen::rpp(3_000_000);
    let mut edit = original.clone();
    // What a DAW's save looks like: the same project, a little different.
    let at = edit.len() - 3;
    edit.splice(at..at, b"  <NOTES 0 2\n  >\n".iter().copied());
    let (mut refused, mut after) = (0, 0);
    for round in 0..6 {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("song.rpp");
        fs::write(&project, &original).unwrap();
        let backup = dir.path().join("song.rpp.premix-bak");
        let child = premix()
            .args(["apply", project.to_str().unwrap(), "--in-place", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while !backup.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "no backup appeared"
            );
        }
        save(&project, &edit, round % 2 == 1);
        let out = child.wait_with_output().unwrap();
        // Whenever it landed, the save is what the project holds.
        assert!(
            fs::read(&project).unwrap() == edit,
            "round {round}: the save was lost ({})",
            text(&out.stderr)
        );
        if out.status.success() {
            after += 1;
        } else {
            assert_eq!(out.status.code(), Some(2));
            assert!(
                text(&out.stderr).contains("changed on disk"),
                "{}",
                text(&out.stderr)
            );
            refused += 1;
        }
        assert!(litter(dir.path()).is_empty(), "{:?}", litter(dir.path()));
    }
    eprintln!("saves during the write: {refused} refused by premix, {after} after its rename");
}

#[test]
fn a_kill_during_the_backup_leaves_no_broken_backup_and_the_next_run_cleans_up() {
    let original = projgen::rpp(4_000_000);
    let expected = expected_output(&original);
    for round in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("song.rpp");
        fs::write(&project, &original).unwrap();
        let mut child = premix()
            .args(["apply", project.to_str().unwrap(), "--in-place", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The staged output is the first temporary file, the backup being written the
        // second: kill as soon as the second appears (round 0, 2), or the first (1, 3).
        let wanted = if round % 2 == 0 { 2 } else { 1 };
        let start = Instant::now();
        loop {
            let temps = names(dir.path())
                .iter()
                .filter(|n| n.ends_with(".tmp"))
                .count();
            if temps >= wanted || child.try_wait().unwrap().is_some() {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "no temporary file"
            );
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let project_now = fs::read(&project).unwrap();
        assert!(project_now == original || project_now == expected);
        for name in names(dir.path()) {
            if name.contains(".premix-bak") {
                // A backup is complete or absent, never truncated.
                assert!(
                    fs::read(dir.path().join(&name)).unwrap() == original,
                    "{name}"
                );
            }
        }
        // The next run finishes the job and removes what the killed one left.
        let done = run(&["apply", project.to_str().unwrap(), "--in-place", "--quiet"]);
        assert!(done.status.success(), "{}", text(&done.stderr));
        assert!(fs::read(&project).unwrap() == expected);
        assert!(
            fs::read(dir.path().join("song.rpp.premix-bak")).unwrap() == original,
            "round {round}"
        );
        assert!(litter(dir.path()).is_empty(), "{:?}", litter(dir.path()));
    }
}

#[test]
fn leftover_temporary_files_of_a_project_are_removed_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("song.rpp");
    fs::write(&project, sample_bytes()).unwrap();
    let stale = dir.path().join(".song.rpp.premix-Ab3dE9.tmp");
    fs::write(&stale, b"half a project").unwrap();
    let mine = dir.path().join(".song.rpp.premix-notes");
    fs::write(&mine, b"user notes").unwrap();
    let done = run(&["apply", project.to_str().unwrap(), "--in-place"]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(!stale.exists());
    assert_eq!(
        names(dir.path()),
        [".song.rpp.premix-notes", "song.rpp", "song.rpp.premix-bak"]
    );
}

/// `--out` takes the destination's lock too: a staged output a killed `--out` run left there
/// is removed by the next run that writes that destination.
#[test]
fn leftover_temporary_files_of_an_output_are_removed_by_the_next_out_run() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("in/song.rpp");
    fs::create_dir_all(project.parent().unwrap()).unwrap();
    fs::write(&project, sample_bytes()).unwrap();
    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let stale = out.join(".song.rpp.premix-Zq81xW.tmp");
    fs::write(&stale, b"half a project").unwrap();
    let other = out.join(".other.rpp.premix-Zq81xW.tmp");
    fs::write(&other, b"another project's, whose run may be alive").unwrap();
    let done = run(&[
        "apply",
        project.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(!stale.exists());
    assert_eq!(
        names(&out),
        [".other.rpp.premix-Zq81xW.tmp", "song.rpp"],
        "only song.rpp's leftovers go"
    );
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The `nobody` user and `nogroup` group ids (Debian's 65534), when running as root.
#[cfg(unix)]
fn second_user() -> Option<(u32, u32)> {
    if !is_root() {
        eprintln!("not root: the ownership checks need a second user; skipped");
        return None;
    }
    Some((65534, 65534))
}

#[cfg(unix)]
#[test]
fn the_project_and_its_backup_keep_their_owner_group_and_mode_and_stay_readable_to_the_owner() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    let Some((uid, gid)) = second_user() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let project = dir.path().join("song.rpp");
    fs::write(&project, sample_bytes()).unwrap();
    std::os::unix::fs::chown(&project, Some(uid), Some(gid)).unwrap();
    fs::set_permissions(&project, fs::Permissions::from_mode(0o600)).unwrap();
    let done = run(&["apply", project.to_str().unwrap(), "--in-place"]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let backup = dir.path().join("song.rpp.premix-bak");
    for file in [&project, &backup] {
        let meta = fs::metadata(file).unwrap();
        assert_eq!(
            (meta.uid(), meta.gid(), meta.permissions().mode() & 0o7777),
            (uid, gid, 0o600),
            "{}",
            file.display()
        );
        // The owner reads it as before.
        let cat = Command::new("cat")
            .arg(file)
            .uid(uid)
            .gid(gid)
            .output()
            .unwrap();
        assert!(cat.status.success(), "{}", text(&cat.stderr));
    }
}

#[cfg(unix)]
#[test]
fn a_user_who_cannot_keep_the_owner_is_refused_and_the_project_kept() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let Some((uid, gid)) = second_user() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A shared folder where the second user may create files, holding root's project.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let project = dir.path().join("song.rpp");
    let original = sample_bytes();
    fs::write(&project, &original).unwrap();
    fs::set_permissions(&project, fs::Permissions::from_mode(0o666)).unwrap();
    let done = premix()
        .args(["apply", project.to_str().unwrap(), "--in-place"])
        .uid(uid)
        .gid(gid)
        .output()
        .unwrap();
    assert_eq!(done.status.code(), Some(2), "{}", text(&done.stdout));
    assert!(
        text(&done.stderr).contains("owner"),
        "{}",
        text(&done.stderr)
    );
    assert!(fs::read(&project).unwrap() == original);
    assert_eq!(names(dir.path()), ["song.rpp"]);
}

/// A sink that corrupts the bytes on their way to the disk (the last byte of the first
/// occurrence of a pattern), as a faulty disk, driver or backend would: the read-back from
/// the file must catch it.
struct Corrupting(premix::write::Staged, &'static [u8]);

impl std::io::Write for Corrupting {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut copy = bytes.to_vec();
        if let Some(at) = memchr::memmem::find(&copy, self.1) {
            copy[at + self.1.len() - 1] ^= 1;
        }
        self.0.write_all(&copy)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Sink for Corrupting {
    fn finish(&mut self) -> std::io::Result<()> {
        self.0.finish()
    }

    fn read_back(&self) -> std::io::Result<premix::pipeline::ReadBack<'_>> {
        self.0.read_back()
    }

    fn sync(&self) -> std::io::Result<()> {
        self.0.sync()
    }
}

#[test]
fn a_write_corrupted_on_its_way_to_the_disk_replaces_nothing() {
    use premix::write::{self, lock::ProjectLock};
    let rules = premix::rules::load(
        "version: 1\nrules:\n  - match: {name: '^kick in$'}\n    rename: Kick In\n",
        "r.yaml",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("song.rpp");
    let original = sample_bytes();
    fs::write(&project, &original).unwrap();
    // The steps of `apply --in-place`, with the injected writer.
    let lock = ProjectLock::acquire(&project).unwrap();
    let (_, snapshot) = write::read(&project, &Default::default()).unwrap();
    // A byte of the renamed name, or of an item's position, which no track fact shows.
    for pattern in [b"Kick In".as_slice(), b"POSITION 1"] {
        let (bytes, _) = write::read(&project, &Default::default()).unwrap();
        let result = premix::pipeline::process_changes_into(
            premix::session::Format::Rpp,
            bytes,
            &rules,
            &Default::default(),
            |_| write::Staged::create(&project, None).map(|s| Corrupting(s, pattern)),
            None,
        );
        let Err(premix::formats::WriteError::Format(e)) = result else {
            panic!("the corrupted write was not caught");
        };
        assert!(
            e.message.contains("does not hold the bytes premix wrote"),
            "{e}"
        );
        assert!(fs::read(&project).unwrap() == original);
        assert_eq!(names(dir.path()), [".song.rpp.premix-lock", "song.rpp"]);
    }
    // Without corruption the same steps replace the project.
    let (bytes, _) = write::read(&project, &Default::default()).unwrap();
    let (_, staged) = premix::pipeline::process_changes_into(
        premix::session::Format::Rpp,
        bytes,
        &rules,
        &Default::default(),
        |_| write::Staged::create(&project, None),
        None,
    )
    .unwrap();
    assert!(
        fs::read(&project).unwrap() == original,
        "untouched before the commit"
    );
    write::replace_in_place(&project, &snapshot, staged.unwrap(), true).unwrap();
    drop(lock);
    assert!(memchr::memmem::find(&fs::read(&project).unwrap(), b"NAME \"Kick In\"").is_some());
    assert_eq!(names(dir.path()), ["song.rpp", "song.rpp.premix-bak"]);
}

#[test]
fn out_never_writes_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let original = sample_bytes();
    let project = dir.path().join("song.rpp");
    fs::write(&project, &original).unwrap();
    let d = dir.path().to_str().unwrap();
    // `apply . --out .`
    let done = premix()
        .current_dir(dir.path())
        .args(["apply", ".", "--out", "."])
        .output()
        .unwrap();
    assert_eq!(done.status.code(), Some(2));
    assert!(
        text(&done.stderr).contains("given as input"),
        "{}",
        text(&done.stderr)
    );
    // A single file whose output would land on itself.
    let done = run(&["apply", project.to_str().unwrap(), "--out", d]);
    assert_eq!(done.status.code(), Some(2));
    assert!(
        text(&done.stderr).contains("given as input"),
        "{}",
        text(&done.stderr)
    );
    assert!(fs::read(&project).unwrap() == original);
    assert_eq!(names(dir.path()), ["song.rpp"]);
    // Two projects that would land on the same output: the second is refused.
    let other = dir.path().join("b");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("song.rpp"), &original).unwrap();
    let out = dir.path().join("out");
    let done = run(&[
        "apply",
        project.to_str().unwrap(),
        other.join("song.rpp").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(done.status.code(), Some(2));
    assert!(
        text(&done.stderr).contains("is written too"),
        "{}",
        text(&done.stderr)
    );
}

#[test]
fn report_html_never_writes_over_a_project_or_a_foreign_file() {
    let dir = tempfile::tempdir().unwrap();
    let original = sample_bytes();
    let a = dir.path().join("a.rpp");
    let b = dir.path().join("b.rpp");
    fs::write(&a, &original).unwrap();
    fs::write(&b, &original).unwrap();
    // `premix report --html *.rpp`: the glob puts a project after --html.
    let done = run(&["report", "--html", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(done.status.code(), Some(2));
    assert!(
        text(&done.stderr).contains("named like a project"),
        "{}",
        text(&done.stderr)
    );
    assert!(fs::read(&a).unwrap() == original);
    let notes = dir.path().join("notes.html");
    fs::write(&notes, b"<html>my notes</html>").unwrap();
    let done = run(&[
        "report",
        b.to_str().unwrap(),
        "--html",
        notes.to_str().unwrap(),
    ]);
    assert_eq!(done.status.code(), Some(2));
    assert!(text(&done.stderr).contains("not a report premix wrote"));
    assert_eq!(fs::read(&notes).unwrap(), b"<html>my notes</html>");
    // premix's own report is replaced.
    let page = dir.path().join("report.html");
    for _ in 0..2 {
        let done = run(&[
            "report",
            b.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ]);
        assert_eq!(done.status.code(), Some(1), "{}", text(&done.stderr));
    }
}

#[cfg(unix)]
#[test]
fn a_named_pipe_or_a_device_as_path_is_an_error_not_a_silent_skip() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.rpp");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let out = dir.path().join("out");
    for path in [fifo.to_str().unwrap(), "/dev/null", "/dev/zero"] {
        for args in [
            vec!["check", path],
            vec!["apply", path, "--in-place"],
            vec!["apply", path, "--out", out.to_str().unwrap()],
        ] {
            let done = run(&args);
            assert_eq!(done.status.code(), Some(2), "{args:?}");
            assert!(
                text(&done.stderr).contains("named pipe"),
                "{args:?}: {}",
                text(&done.stderr)
            );
        }
    }
    // Nothing was written beside the pipe, nor an output made.
    assert_eq!(names(dir.path()), ["pipe.rpp"]);
}

#[test]
fn a_max_size_that_would_overflow_is_refused() {
    let done = run(&["check", "--max-size", "17592186044416", "x.rpp"]);
    assert_eq!(done.status.code(), Some(2));
    assert!(
        text(&done.stderr).contains("--max-size"),
        "{}",
        text(&done.stderr)
    );
    // The largest size accepted reads a project as it is, not as an empty one.
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("song.rpp");
    fs::write(&project, sample_bytes()).unwrap();
    let sample = project.to_str().unwrap();
    let done = run(&["inspect", sample, "--max-size", "1048576", "--json"]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let limited = run(&["inspect", sample, "--json"]);
    assert_eq!(text(&done.stdout), text(&limited.stdout));
    assert!(text(&done.stdout).contains("Synth Pad"));
}

#[test]
fn a_found_rules_file_that_removes_tracks_is_named_before_it_acts() {
    let dir = tempfile::tempdir().unwrap();
    let song = dir.path().join("client/song");
    fs::create_dir_all(&song).unwrap();
    // Muting, removing, then flagging only (which is not pointed out).
    for action in ["mute", "flag", "remove"] {
        fs::write(
            dir.path().join(".premix.yaml"),
            format!(
                "version: 1\nextends: default\nunused:\n  when: [no_media]\n  action: {action}\n"
            ),
        )
        .unwrap();
        fs::write(song.join("song.rpp"), sample_bytes()).unwrap();
        let _ = fs::remove_file(song.join("song.rpp.premix-bak"));
        let done = run(&["apply", song.to_str().unwrap(), "--in-place", "--quiet"]);
        assert!(done.status.success(), "{}", text(&done.stderr));
        let stderr = text(&done.stderr);
        let named = stderr.contains(".premix.yaml (found beside or above the projects")
            && stderr.contains(&format!("{action} unused tracks"));
        assert_eq!(named, action != "flag", "{action}: {stderr}");
    }
    // Given with --rules, the same file is the user's own choice: nothing to point out.
    let done = run(&[
        "apply",
        song.to_str().unwrap(),
        "--dry-run",
        "--rules",
        dir.path().join(".premix.yaml").to_str().unwrap(),
    ]);
    assert!(!text(&done.stderr).contains("found beside or above"));
}

#[test]
fn names_and_paths_reach_the_terminal_with_control_characters_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // A name that would retitle the terminal, in a file whose name fakes a line.
    let hostile = "\u{1b}]0;pwned\u{7}kick\u{202e}";
    let project = dir.path().join("a\nb.rpp");
    let bytes = text(&sample_bytes()).replace("NAME \"kick in\"", &format!("NAME \"{hostile}\""));
    fs::write(&project, bytes).unwrap();
    let p = project.to_str().unwrap();
    for args in [
        &["inspect", p][..],
        &["check", p],
        &["apply", p, "--dry-run", "--diff"],
        &["apply", p, "--dry-run", "--diff=text"],
        &["check", p, "--rules", "/nowhere/\u{1b}[2J.yaml"],
    ] {
        let done = run(args);
        for (stream, out) in [("stdout", &done.stdout), ("stderr", &done.stderr)] {
            let shown = text(out);
            assert!(
                !out.iter().any(|b| *b == 0x1b || *b == 0x07) && !shown.contains('\u{202e}'),
                "{args:?} {stream}: {shown}"
            );
            assert!(!shown.contains("a\nb.rpp"), "{args:?} {stream}: {shown}");
        }
        let all = text(&done.stdout) + &text(&done.stderr);
        let named = if args.contains(&"--rules") {
            "\\u{1b}[2J"
        } else {
            "a\\nb.rpp"
        };
        assert!(all.contains(named), "{args:?}: {all}");
    }
    let done = run(&["inspect", p]);
    assert!(text(&done.stdout).contains("\\u{1b}]0;pwned\\u{7}kick\\u{202e}"));
}

#[test]
fn a_byte_that_is_not_utf8_survives_a_rename_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = sample_bytes();
    let at = memchr::memmem::find(&bytes, b"NAME \"kick in\"").unwrap();
    // Latin-1 `é`, as a project saved by an old REAPER on Windows holds it.
    bytes.splice(at..at + 14, b"NAME \"kick \xe9\"".iter().copied());
    let project = dir.path().join("song.rpp");
    fs::write(&project, &bytes).unwrap();
    let rules = dir.path().join("rules.yaml");
    fs::write(
        &rules,
        "version: 1\nrules:\n  - match: {name: '^kick (.*)$'}\n    rename: 'Kick {1}'\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let r = rules.to_str().unwrap();
    let done = run(&[
        "apply",
        project.to_str().unwrap(),
        "--rules",
        r,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let written = fs::read(out.join("song.rpp")).unwrap();
    assert!(memchr::memmem::find(&written, b"NAME \"Kick \xe9\"").is_some());
    assert!(memchr::memmem::find(&written, "\u{fffd}".as_bytes()).is_none());
    // Shown as the byte it is.
    let done = run(&["inspect", out.join("song.rpp").to_str().unwrap()]);
    assert!(
        text(&done.stdout).contains("Kick \\xE9"),
        "{}",
        text(&done.stdout)
    );
    // A second run changes nothing: the name reads back as it was written.
    let again = run(&[
        "check",
        out.join("song.rpp").to_str().unwrap(),
        "--rules",
        r,
    ]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}

#[test]
fn rules_check_refuses_a_rename_with_a_control_character_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    fs::write(
        &rules,
        "version: 1\nrules:\n  - match: {name: kick}\n    rename: \"Kick\\e]0;x\\a\"\n",
    )
    .unwrap();
    let done = run(&["rules", "check", rules.to_str().unwrap()]);
    assert_eq!(done.status.code(), Some(2));
    let stderr = text(&done.stderr);
    assert!(
        stderr.contains("rules.yaml:4:") && stderr.contains("U+001B"),
        "{stderr}"
    );
}
