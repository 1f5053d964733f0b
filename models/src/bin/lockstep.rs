//! The `lockstep` command; see [`lockstep_models::cli`].

fn main() -> std::process::ExitCode {
    lockstep_models::cli::main()
}
