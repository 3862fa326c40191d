// A platform team's construct emits something no target takes: it does not compile.
use girder::core::{Construct, Context, Emitted};

struct Banner;

impl Construct for Banner {
    fn kind(&self) -> &'static str {
        "Banner"
    }

    fn render(&self, _cx: &Context<'_>, out: &mut Emitted) {
        out.emit("kind: ConfigMap".to_string());
    }
}

fn main() {}
