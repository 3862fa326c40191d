// An aspect of a type that no construct is and no target emits would never run: it does not
// compile.
use girder::core::{App, Visit};

fn main() {
    let app = App::new("shop");
    app.aspect(|text: &mut String, _: &mut Visit<'_>| text.clear());
}
