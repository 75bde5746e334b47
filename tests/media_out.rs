//! `apply --out`: a project written elsewhere opens with its media. For every format, on the
//! corpus (with a small file put where each input looks for its media) and on the samples
//! (which have real audio), the output resolves every file the input resolved, by premix's
//! own resolvers: the backend's list of every file the project names, and preflight's
//! resolution of what the items play. By default the output reaches the originals where they
//! are; with `--copy-media` it reaches copies under the output folder, at the same place
//! relative to the folder given. When nothing needs rewriting, the output is the input, byte
//! for byte.

mod common;

use assert_cmd::Command;
use premix::formats;
use premix::media::relocate::{self, resolved};
use premix::media::{Location, locate};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn premix() -> Command {
    Command::cargo_bin("premix").unwrap()
}

/// A temporary folder under Cargo's target folder, so that it shares a folder with the
/// repository's samples (relative paths between them exist).
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

/// What a project's references lead to from where it is: the files found (canonical), and
/// the references found nowhere (as written).
#[derive(Debug, Default, PartialEq)]
struct Reached {
    found: BTreeSet<PathBuf>,
    missing: BTreeSet<String>,
}

impl Reached {
    fn add(&mut self, written: &str, location: Location) {
        match location {
            Location::Found { path } => {
                self.found.insert(std::fs::canonicalize(&path).unwrap());
            }
            Location::Missing { .. } => {
                self.missing.insert(written.to_string());
            }
        }
    }

    /// A file inside the project file (a DAWproject's embedded audio): it travels with the
    /// container, so it is the same file wherever the project goes, named by its entry.
    fn add_embedded(&mut self, entry: &str, location: Location) {
        match location {
            Location::Found { .. } => {
                self.found
                    .insert(PathBuf::from(format!("<inside the project>/{entry}")));
            }
            Location::Missing { .. } => {
                self.missing.insert(entry.to_string());
            }
        }
    }
}

/// What the project at `path` reaches, seen two ways: every file it names, resolved by its
/// backend ([`Project::media_files`]); and what its items play, resolved as preflight
/// resolves it ([`premix::media::resolve`]).
fn reached(path: &Path) -> (Reached, Reached) {
    let bytes = std::fs::read(path).unwrap();
    let format = formats::format_for_path(path).unwrap();
    let project = formats::open(format, &bytes).unwrap();
    let at = resolved(path);
    let mut named = Reached::default();
    for m in project.media_files(&at) {
        named.add(&m.file.path, locate(m.candidates));
    }
    let mut session = project.session().clone();
    formats::read_media(format, &bytes, &mut session);
    let located = premix::media::resolve(&session, &at, formats::media_candidates(format));
    let mut played = Reached::default();
    for (track, locations) in session.tracks.iter().zip(located) {
        for (item, files) in track.items.iter().zip(locations) {
            for (file, location) in item.files.iter().zip(files) {
                if file.embedded {
                    played.add_embedded(&file.path, location);
                } else {
                    played.add(&file.path, location);
                }
            }
        }
    }
    (named, played)
}

fn named(path: &Path) -> Reached {
    reached(path).0
}

/// Both views of `input` reached from `output` ([`assert_reaches`]).
fn assert_both(input: &Path, output: &Path, copied: Option<(&Path, &Path)>, what: &str) {
    let (named_in, played_in) = reached(input);
    let (named_out, played_out) = reached(output);
    assert_reaches(&named_in, &named_out, copied, what);
    assert_reaches(&played_in, &played_out, copied, &format!("{what}, items"));
}

/// `input` reached from the output: the same files (`copied_under`: the copies, for files
/// inside `from`), and no reference lost that the input found.
fn assert_reaches(input: &Reached, output: &Reached, copied: Option<(&Path, &Path)>, what: &str) {
    let want: BTreeSet<PathBuf> = input
        .found
        .iter()
        .map(|f| match copied {
            Some((from, to)) => match f.strip_prefix(resolved(from)) {
                Ok(rel) => resolved(&to.join(rel)),
                Err(_) => f.clone(),
            },
            None => f.clone(),
        })
        .collect();
    assert_eq!(output.found, want, "{what}: the files the output reaches");
    assert!(
        output.missing.is_subset(&input.missing),
        "{what}: the output misses {:?}, which the input found",
        output
            .missing
            .difference(&input.missing)
            .collect::<Vec<_>>()
    );
}

/// A copy of `project` at `root/in/<format>/<stem>/<name>`, deep enough that the corpus's
/// `../..` references stay inside `root`, with a small file at the first place inside `root`
/// where each of its references is looked for (so that the input resolves them: the corpus
/// comes without its media).
fn stage(project: &Path, root: &Path, sub: &str) -> PathBuf {
    let name = project.file_name().unwrap();
    let stem = project.file_stem().unwrap();
    let dir = root.join("in/a/b/c").join(sub).join(stem);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::copy(project, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let format = formats::format_for_path(&path).unwrap();
    let Ok(p) = formats::open(format, &bytes) else {
        return path;
    };
    let root = resolved(root);
    for m in p.media_files(&resolved(&path)) {
        if let Some(place) = m
            .candidates
            .iter()
            .map(|c| relocate::normalized(c))
            .find(|c| c.starts_with(&root) && c.file_name().is_some())
        {
            std::fs::create_dir_all(place.parent().unwrap()).unwrap();
            if !place.exists() {
                std::fs::write(&place, b"premix test media").unwrap();
            }
        }
    }
    path
}

/// Every project under `dir`, as `apply` walks it.
fn projects(dir: &Path) -> Vec<PathBuf> {
    premix::batch::discover(&[dir.to_path_buf()], None)
        .0
        .into_iter()
        .map(|t| t.path)
        .collect()
}

/// The corpus of `sub` staged under `root/in` (see [`stage`]).
fn staged_corpus(root: &Path) -> usize {
    let mut n = 0;
    for (sub, extensions) in [
        ("rpp", &["rpp"][..]),
        ("als", &["als"]),
        ("ardour", &["ardour", "template"]),
        ("dawproject", &["dawproject"]),
    ] {
        for f in common::corpus_files(sub, extensions) {
            stage(&f, root, sub);
            n += 1;
        }
    }
    n
}

/// Runs `apply IN --out OUT` with `args`, checks every output against its input.
fn check_run(root: &Path, input_root: &Path, rules: &[&str], copy: bool) -> usize {
    let out = root.join(if copy { "copied" } else { "reached" });
    let mut cmd = premix();
    cmd.arg("apply")
        .arg(input_root)
        .arg("--out")
        .arg(&out)
        .args(rules);
    if copy {
        cmd.arg("--copy-media");
    }
    let run = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    let mut checked = 0;
    for input in projects(input_root) {
        let rel = input.strip_prefix(input_root).unwrap();
        let output = out.join(rel);
        if !output.exists() {
            // A project premix refuses (the corpus has a few damaged ones on purpose) is
            // reported, never written.
            assert!(
                stderr.contains(&*input.to_string_lossy()),
                "{} was not written and no error says why:\n{stderr}",
                input.display()
            );
            continue;
        }
        let copied = copy.then_some((input_root, out.as_path()));
        let what = format!("{} (copy: {copy})", rel.display());
        assert_both(&input, &output, copied, &what);
        checked += 1;
    }
    checked
}

#[test]
fn corpus_outputs_written_elsewhere_reach_every_file_their_input_reached() {
    let dir = scratch();
    let root = dir.path();
    if staged_corpus(root) == 0 {
        return;
    }
    let input = root.join("in");
    let none = root.join("none.yaml");
    std::fs::write(&none, "version: 1\n").unwrap();
    // Reached where they are, with the default rules' renames, buses and reordering (the
    // media edits go with the tracks that move); copied, with media the only change.
    let checked = check_run(root, &input, &[], false);
    assert!(checked > 100, "{checked} projects checked");
    check_run(root, &input, &["--rules", none.to_str().unwrap()], true);
}

#[test]
fn the_readme_first_command_gives_outputs_that_open_with_their_media() {
    let dir = scratch();
    let out = dir.path().join("premixed");
    let samples = common::sample("");
    let run = premix()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["apply", "samples", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    for input in projects(&samples) {
        let rel = input.strip_prefix(&samples).unwrap();
        let output = out.join(rel);
        let what = rel.display().to_string();
        let (before, after) = (named(&input), named(&output));
        assert_both(&input, &output, None, &what);
        // Only the file the sample leaves out on purpose (`samples/make-media.py`) is missing.
        let expected_missing = match input.extension().and_then(|e| e.to_str()) {
            Some("rpp" | "als") => 1,
            _ => 0,
        };
        assert_eq!(after.missing.len(), expected_missing, "{what}: {after:?}");
        assert!(
            after
                .missing
                .iter()
                .all(|m| m.ends_with("12 Bass Amp_punch.wav")),
            "{what}: {after:?}"
        );
        // Said per project: how, and what could not be found.
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("samples/{what}: media: ")));
        if before.found.is_empty() {
            assert!(line.is_none(), "{stdout}");
            continue;
        }
        let line = line.unwrap_or_else(|| panic!("no media line for {what}:\n{stdout}"));
        assert!(line.contains("reached where they are"), "{line}");
        if expected_missing > 0 {
            assert!(line.contains("1 not found: ") && line.contains("12 Bass Amp_punch.wav"));
        }
    }
}

#[test]
fn copy_media_keeps_the_layout_and_a_run_that_rewrites_nothing_is_byte_identical() {
    let dir = scratch();
    let out = dir.path().join("premixed");
    let none = dir.path().join("none.yaml");
    std::fs::write(&none, "version: 1\n").unwrap();
    let samples = common::sample("");
    let run = premix()
        .args(["apply"])
        .arg(&samples)
        .arg("--out")
        .arg(&out)
        .arg("--copy-media")
        .arg("--rules")
        .arg(&none)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    for input in projects(&samples) {
        let rel = input.strip_prefix(&samples).unwrap();
        let output = out.join(rel);
        // Every file the sample plays sits below `samples/`: copied to the same place, the
        // references as written reach the copies, so nothing is rewritten.
        assert_eq!(
            std::fs::read(&input).unwrap(),
            std::fs::read(&output).unwrap(),
            "{}",
            rel.display()
        );
        assert_both(
            &input,
            &output,
            Some((&samples, &out)),
            &rel.display().to_string(),
        );
    }
    // The Ardour session's interchange folder came along; the summary says how.
    let copy = out.join("ardour/messy-session/interchange/messy-session/audiofiles/kick in.wav");
    let original =
        samples.join("ardour/messy-session/interchange/messy-session/audiofiles/kick in.wav");
    assert!(copy.is_file());
    // A copy, not a hard link: an edit made in the output's session leaves the original alone.
    assert!(!same_file::is_same_file(&copy, &original).unwrap());
    let before = std::fs::read(&original).unwrap();
    let modified = std::fs::metadata(&copy).unwrap().modified().unwrap();
    std::fs::write(&copy, b"edited in the copy").unwrap();
    assert_eq!(std::fs::read(&original).unwrap(), before);
    // Put back as it was, for the second run below to find it there.
    std::fs::write(&copy, &before).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&copy)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert!(
        stdout.contains(
            "messy-session.ardour: media: 14 files copied under the output folder (14 copies)"
        ) || stdout.contains("(14 copies)"),
        "{stdout}"
    );
    // A second run finds the copies there.
    let again = premix()
        .args(["apply"])
        .arg(&samples)
        .arg("--out")
        .arg(&out)
        .arg("--copy-media")
        .arg("--rules")
        .arg(&none)
        .output()
        .unwrap();
    let again = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.contains("messy-session.ardour: media: 14 files copied under the output folder (14 already there)"),
        "{again}"
    );
}

#[test]
fn a_file_given_alone_keeps_its_folder_and_media_outside_it_is_reached_where_it_is() {
    let dir = scratch();
    let out = dir.path().join("out");
    // The Live sample plays `../reaper/Audio/...`: outside the set's folder, so not copied.
    let set = common::sample("als/messy-set.als");
    let run = premix()
        .args(["apply"])
        .arg(&set)
        .arg("--out")
        .arg(&out)
        .arg("--copy-media")
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("0 files copied under the output folder (24 paths rewritten); 24 files outside the folder given reached where they are"),
        "{stdout}"
    );
    assert_both(&set, &out.join("messy-set.als"), None, "messy-set.als");
}

#[test]
fn dry_runs_copy_nothing_and_json_lists_every_file() {
    let dir = scratch();
    let out = dir.path().join("out");
    let run = premix()
        .args(["apply"])
        .arg(common::sample("ardour"))
        .arg("--out")
        .arg(&out)
        .args(["--copy-media", "--dry-run", "--json"])
        .output()
        .unwrap();
    assert!(!out.exists(), "a dry run writes nothing, media included");
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let media = &doc["projects"][0]["media"];
    assert_eq!(media["carry"], "copy");
    assert_eq!(media["counts"]["pending"], 14, "{media}");
    let files = media["files"].as_array().unwrap();
    assert_eq!(files.len(), 14);
    assert!(files.iter().all(|f| f["copied"] == "pending"));
    assert!(files.iter().any(|f| f["kind"] == "midi"));
    // Without --out there is no media to carry; --copy-media needs --out.
    let refused = premix()
        .args(["apply"])
        .arg(common::sample("ardour"))
        .args(["--dry-run", "--copy-media"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--out"));
}

/// A DAWproject whose clips play external files (the sample's project.xml, each embedded
/// `audio/NAME` turned into `external="true"` `media/NAME`, beside the project).
fn external_dawproject(dir: &Path) -> PathBuf {
    let (mut entry, _) = formats::open_embedded(&common::sample(
        "dawproject/messy-session.dawproject/project.xml",
    ))
    .unwrap();
    let mut sample = String::new();
    std::io::Read::read_to_string(&mut entry, &mut sample).unwrap();
    let xml = sample.replace(
        "<File path=\"audio/",
        "<File external=\"true\" path=\"media/",
    );
    assert_ne!(xml, sample);
    let bytes = projgen::dawproject::zip(&[
        ("project.xml".into(), xml.into_bytes(), true),
        (
            "metadata.xml".into(),
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MetaData/>\n".to_vec(),
            true,
        ),
    ]);
    let project_dir = dir.join("in/song");
    std::fs::create_dir_all(project_dir.join("media")).unwrap();
    let path = project_dir.join("song.dawproject");
    std::fs::write(&path, bytes).unwrap();
    let p = formats::open(session_format(&path), &std::fs::read(&path).unwrap())
        .unwrap()
        .media_files(&path)
        .into_iter()
        .map(|m| m.file.path)
        .collect::<BTreeSet<_>>();
    for name in &p {
        std::fs::write(project_dir.join(name), b"premix test media").unwrap();
    }
    path
}

fn session_format(path: &Path) -> premix::session::Format {
    formats::format_for_path(path).unwrap()
}

#[path = "../benches/gen/mod.rs"]
mod projgen;

#[test]
fn dawproject_external_files_are_reached_or_copied_and_embedded_ones_travel_inside() {
    let dir = scratch();
    let project = external_dawproject(dir.path());
    let before = named(&project);
    assert!(before.found.len() > 10, "{before:?}");
    for copy in [false, true] {
        let out = dir.path().join(if copy { "copied" } else { "reached" });
        let mut cmd = premix();
        cmd.arg("apply")
            .arg(dir.path().join("in"))
            .arg("--out")
            .arg(&out);
        if copy {
            cmd.arg("--copy-media");
        }
        let run = cmd.output().unwrap();
        assert!(run.status.success(), "{run:?}");
        let output = out.join("song/song.dawproject");
        let copied = copy.then_some((dir.path().join("in"), out.clone()));
        assert_reaches(
            &before,
            &named(&output),
            copied.as_ref().map(|(a, b)| (a.as_path(), b.as_path())),
            "song.dawproject",
        );
        // Reached where they are: `File@path` absolute, as the format allows (premix writes
        // no `..` into a DAWproject).
        let xml = String::from_utf8(
            formats::text_view(session_format(&output), &std::fs::read(&output).unwrap())
                .into_owned(),
        )
        .unwrap();
        let media_dir = resolved(&dir.path().join("in/song/media"));
        assert_eq!(
            xml.contains(&format!("path=\"{}/", media_dir.display())),
            !copy,
            "{}",
            &xml[xml.find("<File").unwrap()..][..200]
        );
    }
}

/// The text of the project at `path` (a Live set's XML).
fn text_of(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let view = formats::text_view(formats::format_for_path(path).unwrap(), &bytes);
    String::from_utf8_lossy(&view).into_owned()
}

/// Runs `apply` on `input` into `out` (extra `args`), expecting success.
fn apply(input: &Path, out: &Path, args: &[&str]) -> String {
    let run = premix()
        .arg("apply")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    String::from_utf8_lossy(&run.stdout).into_owned()
}

#[test]
fn reaper_file_lines_of_every_take_are_rewritten_as_reaper_writes_paths() {
    let Some(dir) = common::corpus("rpp") else {
        return;
    };
    let tmp = scratch();
    // jonch070__Song_with_Sends: an item of two takes names both takes' files (`FILE` in each
    // take's `<SOURCE WAVE`).
    let input = stage(
        &dir.join("jonch070__Song_with_Sends.RPP"),
        tmp.path(),
        "rpp",
    );
    let refs = premix::formats::rpp::media::file_refs(&std::fs::read(&input).unwrap());
    assert!(refs.iter().any(|r| r.path == "Vox T3 High-00.wav"));
    assert!(refs.iter().any(|r| r.path == "Vox T3 High-01.wav"));
    let out = tmp.path().join("out");
    apply(&input, &out, &[]);
    let text = std::fs::read_to_string(out.join(input.file_name().unwrap())).unwrap();
    // Outside the output's folder: absolute, quoted as REAPER quotes a path with spaces.
    let media = resolved(input.parent().unwrap());
    assert!(
        text.contains(&format!("FILE \"{}/Vox T3 High-01.wav\"", media.display())),
        "{}",
        &text[text.find("FILE").unwrap()..][..200]
    );

    // Inside it (copied there): relative, as REAPER writes files below the project's folder.
    let song = tmp.path().join("in2/song");
    std::fs::create_dir_all(song.join("Audio")).unwrap();
    std::fs::write(song.join("Audio/take 1.wav"), b"x").unwrap();
    let absolute = resolved(&song.join("Audio/take 1.wav"));
    let rpp = format!(
        "<REAPER_PROJECT 0.1 \"7.0/linux64\" 1\n  <TRACK {{A}}\n    NAME kick\n    <ITEM\n      POSITION 0\n      LENGTH 1\n      <SOURCE WAVE\n        FILE \"{}\" 1\n      >\n    >\n  >\n>\n",
        absolute.display()
    );
    std::fs::write(song.join("song.rpp"), rpp).unwrap();
    let out = tmp.path().join("out2");
    let said = apply(&tmp.path().join("in2"), &out, &["--copy-media"]);
    let text = std::fs::read_to_string(out.join("song/song.rpp")).unwrap();
    assert!(text.contains("FILE \"Audio/take 1.wav\" 1\n"), "{text}");
    assert!(
        said.contains("1 file copied under the output folder (1 copy, 1 path rewritten)")
            || said.contains("(1 copy, 1 path rewritten)"),
        "{said}"
    );
}

#[test]
fn live_8_to_10_relative_paths_are_elements_and_an_empty_dir_is_the_parent() {
    let Some(dir) = common::corpus("als") else {
        return;
    };
    let tmp = scratch();
    // dawtool__live8-patch-markers-auto: `Dir=""`, `Dir=""`, `recording`, `samples` is
    // `../../recording/samples`.
    let live8 = dir.join("dawtool__live8-patch-markers-auto.als");
    let xml = text_of(&live8);
    let refs = premix::formats::als::filerefs::sample_refs(xml.as_bytes());
    assert_eq!(
        refs[0].relative().as_deref(),
        Some("../../recording/samples/edsheeran-ateam.mp3")
    );
    let input = stage(&live8, tmp.path(), "als");
    let out = tmp.path().join("out");
    apply(&input, &out, &[]);
    let written = text_of(&out.join(input.file_name().unwrap()));
    // Written back in the set's own layout: one element a line, `..` as an empty `Dir`.
    let from = written.find("<RelativePath>").unwrap();
    let element = &written[from..from + written[from..].find("</RelativePath>").unwrap()];
    assert!(
        element.contains("\n\t\t\t\t\t\t\t\t\t\t\t\t\t<RelativePathElement Dir=\"\" />"),
        "{element}"
    );
    assert!(
        element.contains("<RelativePathElement Dir=\"in\" />"),
        "{element}"
    );
    assert!(
        !element.contains("Id="),
        "Live 8 numbers no element: {element}"
    );

    // abletoolz-pruned__10.0.6: Live 10 numbers the elements apart from the search hint's
    // (path 8, 9; hint 3 to 6), and `HasRelativePath` false leaves the relative path unused.
    let live10 = dir.join("abletoolz-pruned__10.0.6.als");
    let refs = premix::formats::als::filerefs::sample_refs(text_of(&live10).as_bytes());
    let first = &refs[0];
    assert_eq!(
        (first.first_id, first.other_ids.as_slice()),
        (Some(8), &[3, 4, 5, 6][..])
    );
    assert_eq!(first.relative(), None);
    let input = stage(&live10, tmp.path(), "als");
    apply(&input, &out, &[]);
    let written = text_of(&out.join(input.file_name().unwrap()));
    let rewritten = premix::formats::als::filerefs::sample_refs(written.as_bytes());
    // The first sample's relative path (the set's first `<RelativePath>` is a library
    // device's, type 5, left alone).
    let element = &written[rewritten[0].relative_element.clone().unwrap()];
    let ids: Vec<&str> = element
        .lines()
        .filter_map(|l| l.split("Id=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(ids.first(), Some(&"8"), "{ids:?}");
    assert!(
        rewritten[0]
            .relative()
            .is_some_and(|r| r.ends_with("p24685.wav"))
    );
    assert_eq!(
        rewritten[0].has_relative.as_ref().map(|h| h.value.as_str()),
        Some("true")
    );
}

#[test]
fn ardour_search_paths_are_extended_or_added_and_a_folder_they_cannot_hold_is_declined() {
    let Some(dir) = common::corpus("ardour") else {
        return;
    };
    let tmp = scratch();
    // ol2015__ol2015_drumsend: the session already has an audio search path of three
    // folders; the output's keeps them and adds the one its sources are in.
    let input = stage(
        &dir.join("ol2015__ol2015_drumsend.ardour"),
        tmp.path(),
        "ardour",
    );
    let out = tmp.path().join("out");
    apply(&input, &out, &[]);
    let text = std::fs::read_to_string(out.join(input.file_name().unwrap())).unwrap();
    let audiofiles = resolved(
        &input
            .parent()
            .unwrap()
            .join("interchange/ol2015__ol2015_drumsend/audiofiles"),
    );
    assert!(
        text.contains(&format!(
            "<Option name=\"audio-search-path\" value=\"/Users/abelkovacevic/Music/ol2015_drumsend:/home/abi/ol2015_drumsend/audio:/home/abi/ol2015_drumsend/interchange/ol2015_drumsend/audiofiles:{}\"/>",
            audiofiles.display()
        )),
        "{}",
        &text[text.find("audio-search-path").unwrap() - 20..][..400]
    );

    // ardour__TestSession (Ardour 2): no search path option at all; one is added as the last
    // option of `Config`, indented like the others.
    let input = stage(
        &dir.join("ardour__TestSession.ardour"),
        tmp.path(),
        "ardour",
    );
    apply(&input, &out, &[]);
    let text = std::fs::read_to_string(out.join(input.file_name().unwrap())).unwrap();
    let added = text
        .find("    <Option name=\"audio-search-path\" value=\"/")
        .unwrap();
    assert!(text[added..].starts_with("    <Option name=\"audio-search-path\""));
    assert!(
        text[added..]
            .split_once('\n')
            .unwrap()
            .1
            .starts_with("  </Config>"),
        "{}",
        &text[added..][..300]
    );

    // A folder whose name holds the separator cannot go into a search path: declined, said.
    let odd = tmp.path().join("odd:name/session");
    std::fs::create_dir_all(odd.join("interchange/s/audiofiles")).unwrap();
    let sample =
        std::fs::read_to_string(common::sample("ardour/messy-session/messy-session.ardour"))
            .unwrap();
    std::fs::write(odd.join("s.ardour"), sample).unwrap();
    for f in std::fs::read_dir(common::sample(
        "ardour/messy-session/interchange/messy-session/audiofiles",
    ))
    .unwrap()
    {
        let f = f.unwrap();
        std::fs::copy(
            f.path(),
            odd.join("interchange/s/audiofiles").join(f.file_name()),
        )
        .unwrap();
    }
    let said = apply(&odd.join("s.ardour"), &tmp.path().join("out3"), &[]);
    assert!(
        said.contains("holds ':', which separates search-path folders"),
        "{said}"
    );
    assert!(
        said.contains("12 files not reachable from the output"),
        "{said}"
    );
}

// An Ardour session written elsewhere reaches its media through folders added to its search
// path, its sources' names unchanged: the summary says so instead of "paths rewritten"
// (which a REAPER project, whose references are rewritten, still says).
#[test]
fn the_summary_says_how_the_output_reaches_its_media() {
    let dir = scratch();
    let ardour = common::sample("ardour/messy-session/messy-session.ardour");
    let out = apply(&ardour, &dir.path().join("ardour"), &[]);
    let line = out
        .lines()
        .find(|l| l.contains("media:"))
        .unwrap_or_default();
    assert!(
        line.contains("files reached where they are (")
            && line.contains(" through the session's search path)")
            && !line.contains("rewritten"),
        "{out}"
    );
    let reaper = common::sample("reaper/messy-session.rpp");
    let out = apply(&reaper, &dir.path().join("reaper"), &[]);
    let line = out
        .lines()
        .find(|l| l.contains("media:"))
        .unwrap_or_default();
    assert!(line.contains("paths rewritten)"), "{out}");
}
