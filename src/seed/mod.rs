//! Development data, off the product path: the demo's accounts and cases (`demo`), built
//! through the workflows like any user's, with routing files imported as an operator would
//! (`routing`), and bulk synthetic data for benchmarks and
//! trying the application at national scale (`scale`), written as raw SQL. Only the
//! command line calls this; no request, workflow or background task does.

pub mod demo;
pub mod routing;
pub mod scale;
