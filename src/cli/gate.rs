//! What fails a linter-style run (`check`, `report`): `--fail-on`, and the baseline of
//! accepted findings (`--baseline`, `--write-baseline`, [`crate::baseline`]).

use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::baseline::{self, Baseline};
use crate::findings::{FailOn, Finding};
use crate::report::json::Summary;
use crate::session::Session;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct GateArgs {
    /// What makes the run exit 1: `never`; `changes` the rules want (the default); `error`,
    /// `warning` or `info`: changes, and new findings of that severity or above.
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Changes)]
    pub fail_on: FailOn,
    /// The baseline of accepted findings, which then fail no run [default: premix-baseline.json
    /// in the current folder, used when it exists].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Accept every finding of this run: record them in the baseline (created if missing;
    /// the entries of projects not in this run are kept), so that only new findings fail
    /// later runs.
    #[arg(long)]
    pub write_baseline: bool,
}

/// A run's gate: its `--fail-on`, the baseline it reads, the one it writes.
pub struct Gate {
    pub fail_on: FailOn,
    read: Option<Baseline>,
    write: Option<Baseline>,
}

impl Gate {
    /// Reads the baseline the arguments name (or the default one, when it exists). Errors:
    /// a message naming the baseline file.
    pub fn open(args: &GateArgs) -> Result<Gate, String> {
        let path = args
            .baseline
            .clone()
            .unwrap_or_else(|| PathBuf::from(baseline::FILE_NAME));
        let exists = path.exists();
        let read = if exists {
            Some(Baseline::load(&path)?)
        } else if args.baseline.is_some() && !args.write_baseline {
            return Err(format!(
                "{}: no such baseline (write one with --write-baseline)",
                path.display()
            ));
        } else {
            None
        };
        let write = if args.write_baseline {
            Some(match &read {
                Some(_) => Baseline::load(&path)?,
                None => Baseline::empty(&path)?,
            })
        } else {
            None
        };
        Ok(Gate {
            fail_on: args.fail_on,
            read,
            write,
        })
    }

    /// Which findings of the project at `path` are accepted: by the baseline read, or all of
    /// them when this run writes the baseline (it records them).
    pub fn accept(
        &mut self,
        path: &Path,
        session: &Session,
        findings: &[Finding<'_>],
    ) -> Vec<bool> {
        if let Some(record) = &mut self.write {
            let key = record.key(path);
            record.record(key, session, findings);
            return vec![true; findings.len()];
        }
        match &self.read {
            Some(b) => b.accepts(&b.key(path), session, findings),
            None => vec![false; findings.len()],
        }
    }

    /// The exit code of a linter-style run (`check`, `report`): 2 if a project could not be
    /// processed or none was found, 1 if changes are wanted (unless `--fail-on never`) or new
    /// findings reach `--fail-on`, else 0.
    pub fn exit_code(&self, summary: &Summary) -> u8 {
        if summary.errors > 0 || summary.projects == 0 {
            EXIT_ERROR
        } else if (self.fail_on.changes_fail() && summary.changed > 0)
            || summary.failing_findings > 0
        {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        }
    }

    /// Writes the baseline when asked to: `Ok(Some((path, accepted findings)))` once written.
    pub fn save(&self) -> Result<Option<(&Path, usize)>, String> {
        let Some(b) = &self.write else {
            return Ok(None);
        };
        b.save()
            .map_err(|e| format!("{}: cannot write the baseline: {e}", b.path().display()))?;
        Ok(Some((b.path(), b.total())))
    }
}
