//! A project written elsewhere (`apply --out`) that still opens with its media.
//!
//! A project reaches its files by paths its DAW resolves from where the project is (REAPER's
//! `FILE` lines, Live's `FileRef`s, Ardour's `interchange/` folders and search path,
//! DAWproject's external `File`s). Written into another folder, the same paths lead nowhere.
//! This module decides, for every file a project refers to, what the output must reach and
//! whether the reference as written already reaches it from there; each backend then spells
//! the references that must change ([`MediaPlan`] is part of the [`crate::plan::Plan`]).
//!
//! Two ways ([`Carry`]):
//! - **reach** (the default): the output reaches each file where the input finds it;
//! - **copy** (`--copy-media`): each file under the folder given is copied to the same place
//!   under the output folder (a real copy, never a hard link: an edit made to the copy in the
//!   output's session must not change the original; `std::fs::copy` is `copy_file_range`,
//!   which file systems that can, such as Btrfs and XFS, turn into a copy-on-write clone), so the layout of the
//!   folder given is kept and most references need no change; a file outside that folder
//!   cannot keep its place and is reached where it is.
//!
//! The steps, run by [`crate::pipeline`]: [`locate_all`] finds every file as the input's DAW
//! would; [`carry_out`] makes the copies; [`judge`] says which references must be rewritten
//! (the DAW, reading the output, would not find the file, or would find another one first);
//! after the backend wrote the output, [`verify`] reads the output's references back and checks
//! that each reaches a file the plan meant, or was already missing in the input.
//!
//! Paths are compared as the file system has them: the files found are canonical (symbolic
//! links resolved), and so is the output's folder, up to its first part that does not exist yet.

use super::{Location, SourceFile, locate};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Component, Path, PathBuf};

/// What a referenced file is, where a DAW looks for kinds in different places (Ardour's
/// `audiofiles` and `midifiles` folders and search paths).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Audio,
    Midi,
    /// Anything else a project names by path: video, a subproject, a sampler's sample.
    Other,
}

/// One file reference of a project, with where its DAW would look for it from the place the
/// project was asked about (its own resolver, most preferred first).
#[derive(Clone, Debug, PartialEq)]
pub struct MediaFile {
    pub file: SourceFile,
    pub kind: FileKind,
    pub candidates: Vec<PathBuf>,
}

/// How a project written elsewhere gets to its media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Carry {
    /// References rewritten, where needed, to reach the files where they are.
    Reach,
    /// Files copied under the output folder, keeping their place
    /// relative to the folder given.
    Copy,
}

/// Where a project is written, and how its media goes with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relocation {
    /// The project's file as read.
    pub input: PathBuf,
    /// Where its output is written.
    pub output: PathBuf,
    pub carry: Carry,
    /// The folder whose layout copies keep (the folder given, or a given file's folder) ...
    pub from_root: PathBuf,
    /// ... and where that folder's copy goes (the output folder).
    pub to_root: PathBuf,
    /// Make the copies (false for a dry run: the plan says what would be copied).
    pub write: bool,
}

/// How the output reaches one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// The input does not find the file either: the reference is left as written.
    Missing,
    /// The reference as written reaches the file from the output.
    AsWritten,
    /// The backend rewrites the reference to reach the file.
    Rewritten,
    /// The reference would need rewriting, which the format cannot spell (a note says why).
    Unreached,
}

/// How a file was put under the output folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Copied {
    Copied,
    /// The same file (or a copy of the same size and time) was already there.
    Present,
    /// A dry run: it would be copied.
    Pending,
}

/// One file a project refers to (once, however many references name it the same way).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Placed {
    /// The reference as written.
    pub file: SourceFile,
    pub kind: FileKind,
    /// Where the input's DAW finds the file (canonical); `None` when it does not.
    pub found: Option<PathBuf>,
    /// Where it was looked for, when not found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tried: Vec<PathBuf>,
    /// What the output reaches: `found`, or its copy under the output folder.
    pub target: Option<PathBuf>,
    /// `target` is a copy of `found` under the output folder (how it was made, once made).
    pub copied: Option<Copied>,
    /// With [`Carry::Copy`]: the file is outside the folder given, so it is reached where it is.
    pub outside: bool,
    pub reach: Reach,
}

/// What a project written elsewhere does about its media: part of its plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MediaPlan {
    pub carry: Carry,
    /// The output's folder, absolute: where relative references start.
    pub output_dir: PathBuf,
    /// The folder copies go under (the output folder given), absolute.
    pub copy_root: PathBuf,
    pub files: Vec<Placed>,
    /// True when the project reaches the files whose reach is [`Reach::Rewritten`] through
    /// folders added to its search path rather than by rewriting each reference (Ardour;
    /// [`crate::formats::Project::reaches_media_through_search_path`]).
    pub through_search_path: bool,
}

impl MediaPlan {
    /// True when some reference is rewritten (the project file changes).
    pub fn rewrites(&self) -> bool {
        self.files.iter().any(|f| f.reach == Reach::Rewritten)
    }

    /// The files whose references are rewritten.
    pub fn rewritten(&self) -> impl Iterator<Item = &Placed> {
        self.files.iter().filter(|f| f.reach == Reach::Rewritten)
    }

    /// Where the reference `file` of `kind` is rewritten to lead, if it is.
    pub fn new_target(&self, file: &SourceFile, kind: FileKind) -> Option<&Path> {
        self.files
            .iter()
            .find(|f| f.reach == Reach::Rewritten && f.kind == kind && f.file == *file)
            .and_then(|f| f.target.as_deref())
    }

    /// A map from each rewritten reference to its target, for backends that look many up.
    pub fn targets(&self) -> HashMap<(&SourceFile, FileKind), &Path> {
        self.rewritten()
            .filter_map(|f| Some(((&f.file, f.kind), f.target.as_deref()?)))
            .collect()
    }

    /// `target` relative to the output's folder, its parts joined by `separator`; with
    /// `climb`, through `..` when it is not below that folder. `None` when there is no such
    /// path: only the file system's root in common (a relative path through the root breaks as
    /// soon as either side moves), outside the folder without `climb`, or a name that is not
    /// UTF-8.
    pub fn relative(&self, target: &Path, climb: bool, separator: char) -> Option<String> {
        let rel = relative_path(&self.output_dir, target)?;
        if !climb && rel.components().any(|c| c == Component::ParentDir) {
            return None;
        }
        joined(&rel, separator)
    }

    /// Marks the rewrite of `file` declined: the output does not reach it.
    pub fn decline(&mut self, file: &SourceFile, kind: FileKind) {
        for f in &mut self.files {
            if f.reach == Reach::Rewritten && f.kind == kind && f.file == *file {
                f.reach = Reach::Unreached;
            }
        }
    }

    /// The references the input does not find either.
    pub fn missing(&self) -> impl Iterator<Item = &Placed> {
        self.files.iter().filter(|f| f.reach == Reach::Missing)
    }

    /// How many files each way, for the summary.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        let mut targets = HashSet::new();
        for f in &self.files {
            match f.reach {
                Reach::Missing => c.missing += 1,
                Reach::Unreached => c.unreached += 1,
                Reach::Rewritten => c.rewritten += 1,
                Reach::AsWritten => {}
            }
            // One file, however many references name it.
            if let Some(t) = &f.target
                && f.reach != Reach::Unreached
                && targets.insert(t)
            {
                c.files += 1;
                c.outside += usize::from(f.outside);
                match f.copied {
                    Some(Copied::Copied) => c.copied += 1,
                    Some(Copied::Present) => c.present += 1,
                    Some(Copied::Pending) => c.pending += 1,
                    None => {}
                }
            }
        }
        c
    }
}

/// Files of a [`MediaPlan`], counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Distinct files the output reaches.
    pub files: usize,
    /// References rewritten.
    pub rewritten: usize,
    /// References the input does not resolve either.
    pub missing: usize,
    /// References that would need a rewrite the format cannot spell.
    pub unreached: usize,
    /// Copies made: copies, already there, still to make (dry run).
    pub copied: usize,
    pub present: usize,
    pub pending: usize,
    /// With `--copy-media`, files outside the folder given, reached where they are.
    pub outside: usize,
}

/// The first of `files` for each reference, in order (a file named the same way twice is
/// looked for once).
fn distinct(files: Vec<MediaFile>) -> Vec<MediaFile> {
    let mut seen = HashSet::new();
    files
        .into_iter()
        .filter(|f| seen.insert((f.file.clone(), f.kind)))
        .collect()
}

/// Step one: every file `files` (the input's references, resolved from the input) names,
/// found as the input's DAW finds it, with what the output must reach for it under `r`.
pub fn locate_all(files: Vec<MediaFile>, r: &Relocation) -> MediaPlan {
    let from_root = resolved(&r.from_root);
    let copy_root = resolved(&r.to_root);
    let output_dir = resolved(r.output.parent().unwrap_or(Path::new("")));
    let files = distinct(files)
        .into_iter()
        .map(|m| match locate(m.candidates) {
            Location::Missing { tried } => Placed {
                file: m.file,
                kind: m.kind,
                found: None,
                tried,
                target: None,
                copied: None,
                outside: false,
                reach: Reach::Missing,
            },
            Location::Found { path } => {
                let found = std::fs::canonicalize(&path).unwrap_or(path);
                let (target, copied, outside) = match r.carry {
                    Carry::Reach => (found.clone(), None, false),
                    Carry::Copy => match found.strip_prefix(&from_root) {
                        Ok(rel) if copy_root.join(rel) != found => {
                            (copy_root.join(rel), Some(Copied::Pending), false)
                        }
                        Ok(_) => (found.clone(), None, false),
                        Err(_) => (found.clone(), None, true),
                    },
                };
                Placed {
                    file: m.file,
                    kind: m.kind,
                    found: Some(found),
                    tried: Vec::new(),
                    target: Some(target),
                    copied,
                    outside,
                    // Until judged.
                    reach: Reach::Rewritten,
                }
            }
        })
        .collect();
    MediaPlan {
        carry: r.carry,
        output_dir,
        copy_root,
        files,
        through_search_path: false,
    }
}

/// Step two, with [`Carry::Copy`]: puts every file to be copied at its target, as a hard
/// link where the file system allows one, else as a copy (with the original's modification
/// time). A target already holding the same file, or a file of the same size and modification
/// time (a copy an earlier run made), is left as it is. Each file appears whole or not at all
/// (written under a temporary name, then renamed). An error names the file.
pub fn carry_out(plan: &mut MediaPlan) -> Result<(), String> {
    let mut done: HashMap<PathBuf, Copied> = HashMap::new();
    for f in &mut plan.files {
        let (Some(found), Some(target), Some(_)) = (&f.found, &f.target, f.copied) else {
            continue;
        };
        let how = match done.get(target) {
            Some(how) => *how,
            None => {
                let how = put(found, target).map_err(|e| {
                    format!(
                        "cannot copy media {} to {}: {e}",
                        found.display(),
                        target.display()
                    )
                })?;
                done.insert(target.clone(), how);
                how
            }
        };
        f.copied = Some(how);
    }
    Ok(())
}

/// Puts `from` at `to` (see [`carry_out`]).
fn put(from: &Path, to: &Path) -> io::Result<Copied> {
    let source = std::fs::metadata(from)?;
    if let Ok(existing) = std::fs::metadata(to) {
        if same_file::is_same_file(from, to).unwrap_or(false) {
            return Ok(Copied::Present);
        }
        if existing.is_file()
            && existing.len() == source.len()
            && existing.modified().ok() == source.modified().ok()
        {
            return Ok(Copied::Present);
        }
    }
    let dir = to.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let copy = tempfile::Builder::new()
        .prefix(".premix-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    std::fs::copy(from, copy.path())?;
    if let Ok(modified) = source.modified() {
        copy.as_file().set_modified(modified)?;
    }
    copy.as_file().sync_all()?;
    copy.persist(to).map_err(|e| e.error)?;
    Ok(Copied::Copied)
}

/// Step three: for every file found, whether the reference as written reaches its target
/// from the output. `output` is the project's references resolved from where the output is
/// written (the same references as the input's, in the same order); a reference reaches its
/// target when the first candidate that is a file is the target, or is the target's place
/// while a dry run has not copied it there yet. The other references are to be rewritten.
pub fn judge(plan: &mut MediaPlan, output: Vec<MediaFile>) {
    let by_ref: HashMap<(SourceFile, FileKind), Vec<PathBuf>> = distinct(output)
        .into_iter()
        .map(|m| ((m.file, m.kind), m.candidates))
        .collect();
    for f in &mut plan.files {
        let Some(target) = &f.target else { continue };
        let candidates = by_ref
            .get(&(f.file.clone(), f.kind))
            .map_or(&[][..], Vec::as_slice);
        let pending = f.copied == Some(Copied::Pending);
        // With a copy, only a reference that leads to the copy's own place reaches it (the
        // original may go away).
        let copy = f.copied.is_some();
        let reached = candidates.iter().find_map(|c| {
            let c = normalized(c);
            if pending && c == *target {
                return Some(true);
            }
            c.is_file().then(|| {
                c == *target
                    || std::fs::canonicalize(&c).is_ok_and(|c| c == *target)
                    || (!copy && same_file::is_same_file(&c, target).unwrap_or(false))
            })
        });
        f.reach = if reached == Some(true) {
            Reach::AsWritten
        } else {
            Reach::Rewritten
        };
    }
}

/// After the write: reads the output's references (`output`, resolved from where the output
/// is) and checks that each reaches a file the plan meant (a target), or was not found in the
/// input either, or is one whose rewrite was declined. `Err` says which does not.
pub fn verify(plan: &MediaPlan, output: Vec<MediaFile>) -> Result<(), String> {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let targets: HashSet<PathBuf> = plan
        .files
        .iter()
        .filter(|f| f.reach != Reach::Unreached)
        .filter_map(|f| f.target.as_deref().map(canonical))
        .collect();
    let unreached: HashSet<(&SourceFile, FileKind)> = plan
        .files
        .iter()
        .filter(|f| matches!(f.reach, Reach::Missing | Reach::Unreached))
        .map(|f| (&f.file, f.kind))
        .collect();
    for m in distinct(output) {
        match locate(m.candidates) {
            Location::Found { path } => {
                let path = canonical(&path);
                if !targets.contains(&path) && !unreached.contains(&(&m.file, m.kind)) {
                    return Err(format!(
                        "media {:?} leads to {}, which the plan does not mean",
                        m.file.path,
                        path.display()
                    ));
                }
            }
            Location::Missing { .. } => {
                if !unreached.contains(&(&m.file, m.kind)) {
                    return Err(format!(
                        "media {:?} is not found from the output",
                        m.file.path
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `path` made absolute, with `.` and `..` taken out and the part of it that exists
/// canonical (symbolic links resolved), so that it compares with canonical paths.
pub fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let normal = normalized(&absolute);
    let mut existing = normal.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = std::fs::canonicalize(existing) {
            let mut out = c;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return normal,
        }
    }
}

/// `path` with `.` parts dropped and each `..` taking out the part before it (lexically).
pub fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `to` relative to the folder `from` (both absolute and normalized): `None` when they share
/// nothing below the file system's root (or a Windows drive).
pub fn relative_path(from: &Path, to: &Path) -> Option<PathBuf> {
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let shared_folders = a[..common]
        .iter()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    if shared_folders == 0 {
        return None;
    }
    let mut rel = PathBuf::new();
    for _ in common..a.len() {
        rel.push("..");
    }
    for c in &b[common..] {
        rel.push(c);
    }
    Some(rel)
}

/// The parts of `path` joined by `separator`; `None` when a part is not UTF-8.
pub fn joined(path: &Path, separator: char) -> Option<String> {
    let mut out = String::new();
    for c in path.components() {
        let part = match c {
            Component::RootDir => {
                out.push(separator);
                continue;
            }
            Component::Prefix(p) => p.as_os_str().to_str()?,
            Component::CurDir => ".",
            Component::ParentDir => "..",
            Component::Normal(n) => n.to_str()?,
        };
        if !out.is_empty() && !out.ends_with(separator) {
            out.push(separator);
        }
        out.push_str(part);
    }
    Some(out)
}

/// The absolute path `target` as this platform writes it; `None` when it is not UTF-8.
pub fn absolute_text(target: &Path) -> Option<String> {
    let text = target.to_str()?;
    // Windows' canonical paths carry a verbatim prefix no DAW writes.
    Some(text.strip_prefix(r"\\?\").unwrap_or(text).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(dir: &Path, written: &str) -> MediaFile {
        MediaFile {
            file: SourceFile::new(written),
            kind: FileKind::Audio,
            candidates: vec![crate::media::join_written(dir, written)],
        }
    }

    fn relocation(
        input: &Path,
        output: &Path,
        carry: Carry,
        root: &Path,
        out: &Path,
    ) -> Relocation {
        Relocation {
            input: input.into(),
            output: output.into(),
            carry,
            from_root: root.into(),
            to_root: out.into(),
            write: true,
        }
    }

    #[test]
    fn relative_paths_climb_only_below_the_root() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            relative_path(&p("/w/out/reaper"), &p("/w/samples/reaper/a.wav")),
            Some(p("../../samples/reaper/a.wav"))
        );
        assert_eq!(
            relative_path(&p("/w/out"), &p("/w/out/Audio/a.wav")),
            Some(p("Audio/a.wav"))
        );
        assert_eq!(relative_path(&p("/tmp/out"), &p("/w/a.wav")), None);
        assert_eq!(
            joined(&p("../Audio/a b.wav"), '/').as_deref(),
            Some("../Audio/a b.wav")
        );
        assert_eq!(normalized(&p("/w/x/../y/./z")), p("/w/y/z"));
    }

    #[test]
    fn reach_rewrites_what_the_output_would_not_find() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        std::fs::create_dir_all(root.join("Audio")).unwrap();
        std::fs::write(root.join("Audio/a.wav"), b"a").unwrap();
        let input = root.join("song.rpp");
        let output = dir.path().join("out/song.rpp");
        let r = relocation(
            &input,
            &output,
            Carry::Reach,
            &root,
            &dir.path().join("out"),
        );
        let files = vec![media(&root, "Audio/a.wav"), media(&root, "gone.wav")];
        let mut plan = locate_all(files, &r);
        let out_dir = output.parent().unwrap();
        std::fs::create_dir_all(out_dir).unwrap();
        judge(
            &mut plan,
            vec![media(out_dir, "Audio/a.wav"), media(out_dir, "gone.wav")],
        );
        assert_eq!(plan.files[0].reach, Reach::Rewritten);
        assert_eq!(plan.files[1].reach, Reach::Missing);
        let target = plan.files[0].target.clone().unwrap();
        assert_eq!(
            plan.relative(&target, true, '/').as_deref(),
            Some("../in/Audio/a.wav")
        );
        assert_eq!(plan.relative(&target, false, '/'), None);
        // The output, spelled to reach the file, verifies; a reference to another file does not.
        let spelled = media(out_dir, "../in/Audio/a.wav");
        let mut ok = vec![spelled.clone(), media(out_dir, "gone.wav")];
        ok[0].file = SourceFile::new("Audio/a.wav");
        assert!(verify(&plan, ok).is_ok());
        std::fs::write(dir.path().join("other.wav"), b"b").unwrap();
        let wrong = vec![media(out_dir, "../other.wav")];
        assert!(verify(&plan, wrong).is_err());
        let lost = vec![media(out_dir, "Audio/a.wav")];
        assert!(verify(&plan, lost).is_err());
    }

    #[test]
    fn copy_keeps_the_layout_links_once_and_leaves_outsiders_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        std::fs::create_dir_all(root.join("p/Audio")).unwrap();
        std::fs::write(root.join("p/Audio/a.wav"), b"a").unwrap();
        std::fs::write(dir.path().join("outside.wav"), b"o").unwrap();
        let input = root.join("p/song.rpp");
        // One folder deeper than the input: `../../outside.wav` leads elsewhere from there.
        let out = dir.path().join("o/out");
        let output = out.join("p/song.rpp");
        let r = relocation(&input, &output, Carry::Copy, &root, &out);
        let p = root.join("p");
        let files = vec![
            media(&p, "Audio/a.wav"),
            media(&p, "../../outside.wav"),
            media(&p, "Audio/a.wav"),
        ];
        let mut plan = locate_all(files, &r);
        assert_eq!(plan.files.len(), 2, "a reference named twice is one file");
        carry_out(&mut plan).unwrap();
        let copy = resolved(&out.join("p/Audio/a.wav"));
        assert_eq!(plan.files[0].target.as_deref(), Some(copy.as_path()));
        assert!(matches!(plan.files[0].copied, Some(Copied::Copied)));
        assert_eq!(std::fs::read(&copy).unwrap(), b"a");
        assert!(plan.files[1].outside && plan.files[1].copied.is_none());
        let out_dir = output.parent().unwrap();
        judge(
            &mut plan,
            vec![
                media(out_dir, "Audio/a.wav"),
                media(out_dir, "../../outside.wav"),
            ],
        );
        assert_eq!(plan.files[0].reach, Reach::AsWritten);
        assert_eq!(plan.files[1].reach, Reach::Rewritten);
        // An absolute reference to a file inside the folder given leads to the original: it is
        // rewritten to the copy.
        let absolute = resolved(&root.join("p/Audio/a.wav"));
        let mut abs = locate_all(vec![media(&p, absolute.to_str().unwrap())], &r);
        carry_out(&mut abs).unwrap();
        judge(&mut abs, vec![media(out_dir, absolute.to_str().unwrap())]);
        assert_eq!(abs.files[0].reach, Reach::Rewritten);
        // A second run finds the copy there.
        let mut again = locate_all(vec![media(&p, "Audio/a.wav")], &r);
        carry_out(&mut again).unwrap();
        assert_eq!(again.files[0].copied, Some(Copied::Present));
        let c = again.counts();
        assert_eq!((c.files, c.present), (1, 1));
    }
}
