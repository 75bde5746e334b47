//! A project written by streaming it into a staged temporary file (`apply --out`) holds the
//! same bytes as one rendered in memory, and a staged write that fails its verification
//! leaves the destination as it was and no temporary file behind.

mod common;

use premix::formats::WriteError;
use premix::pipeline::{self, ReadBack, Sink};
use premix::rules::{self, RuleSet};
use premix::session::Format;
use premix::write::Staged;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

fn samples() -> Vec<(Format, PathBuf)> {
    vec![
        (Format::Rpp, common::sample("reaper/messy-session.rpp")),
        (
            Format::Ardour,
            common::sample("ardour/messy-session/messy-session.ardour"),
        ),
        (Format::Als, common::sample("als/messy-set.als")),
    ]
}

/// Files in `dir` other than `keep`.
fn others(dir: &Path, keep: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != keep)
        .collect()
}

#[test]
fn a_streamed_staged_write_holds_the_bytes_of_the_in_memory_write() {
    let rules = RuleSet::default_rules();
    for (format, path) in samples() {
        let bytes = std::fs::read(&path).unwrap();
        let in_memory = pipeline::process(format, &bytes, &rules, true)
            .unwrap()
            .output
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join(path.file_name().unwrap());
        let (processed, staged) =
            pipeline::process_into(format, bytes.clone(), &rules, &Default::default(), |_| {
                Staged::create(&dest, None)
            })
            .unwrap();
        assert!(processed.plan.edits_file(), "{}", path.display());
        assert!(!dest.exists(), "nothing in place before the commit");
        staged.commit().unwrap();
        assert!(
            std::fs::read(&dest).unwrap() == in_memory,
            "{}",
            path.display()
        );
        let name = dest.file_name().unwrap().to_str().unwrap();
        assert!(others(dir.path(), name).is_empty(), "{}", path.display());
    }
}

/// A staged file whose read-back is altered, as a faulty disk or backend would: the
/// verification must catch it. What it reads back is a corrupted copy beside the staged file.
struct Corrupting(Staged, Option<tempfile::NamedTempFile>);

impl Write for Corrupting {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Sink for Corrupting {
    fn finish(&mut self) -> io::Result<()> {
        self.0.finish()?;
        let text = std::fs::read_to_string(self.0.path())?;
        // Undo the rename the rules asked for.
        let text = text.replacen("NAME \"Kick In\"", "NAME kick", 1);
        let mut copy = tempfile::NamedTempFile::new_in(self.0.path().parent().unwrap())?;
        copy.write_all(text.as_bytes())?;
        self.1 = Some(copy);
        Ok(())
    }

    fn read_back(&self) -> io::Result<ReadBack<'_>> {
        Ok(ReadBack::File(self.1.as_ref().unwrap().path()))
    }

    fn sync(&self) -> io::Result<()> {
        self.0.sync()
    }
}

#[test]
fn a_staged_write_that_fails_verification_leaves_the_destination_and_no_temporary_file() {
    let rules = rules::load(
        "version: 1\nrules:\n  - match: {name: '^kick in$'}\n    rename: Kick In\n",
        "r.yaml",
    )
    .unwrap();
    let bytes = std::fs::read(common::sample("reaper/messy-session.rpp")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("song.rpp");
    std::fs::write(&dest, b"the destination as it was").unwrap();
    let result = pipeline::process_into(Format::Rpp, bytes, &rules, &Default::default(), |_| {
        Staged::create(&dest, None).map(|s| Corrupting(s, None))
    });
    let Err(WriteError::Format(e)) = result else {
        panic!("the verification passed a corrupted output");
    };
    assert!(
        e.message.contains("does not hold the bytes premix wrote"),
        "{e}"
    );
    assert_eq!(std::fs::read(&dest).unwrap(), b"the destination as it was");
    assert!(others(dir.path(), "song.rpp").is_empty());
}
