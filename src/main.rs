//! The `premix` command: arguments in, exit code out. Everything else lives in the library.

fn main() -> std::process::ExitCode {
    premix::cli::main()
}
