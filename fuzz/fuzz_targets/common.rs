//! What every format target checks.

use premix::pipeline::process;
use premix::rules::RuleSet;
use premix::session::Format;
use std::sync::OnceLock;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(RuleSet::default_rules)
}

/// Reading never panics; a project that reads is written, and the result plans to nothing.
pub fn pipeline_holds(format: Format, data: &[u8]) {
    let Ok(first) = process(format, data, rules(), true) else {
        return;
    };
    let output = first.output.expect("rendered");
    if !first.plan.edits_file() {
        assert_eq!(output, data, "a plan with no edits must return the input");
        return;
    }
    let second = process(format, &output, rules(), true).expect("the output reads back");
    assert!(!second.plan.edits_file(), "a second run changes nothing");
}
