fn main() -> std::process::ExitCode {
    burstplane::cli::main()
}
