fn main() {
    std::process::exit(wecare::cli::main());
}
