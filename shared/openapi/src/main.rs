//! Prints the OpenAPI document: `cargo run -p synq-openapi > shared/openapi/openapi.json`.

fn main() {
    println!("{}", synq_openapi::document_json());
}
