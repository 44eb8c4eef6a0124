//! Runs the trainer component under wasmtime with a fuel budget and a memory limit, and turns what
//! happens into a job outcome: a model, a refusal from the trainer, or a clear failure reason (out
//! of fuel, out of memory, a trap).

use synq_ml::{JobSpec, ModelKind, Table, TargetTransform};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store, Trap};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

wasmtime::component::bindgen!({
    world: "trainer",
    path: "../../wit/trainer",
});

use synq::trainer::types as wit;

/// Limits for one job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Fuel units (about one per wasm instruction).
    pub fuel: u64,
    /// Largest linear memory, in bytes.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel: 2_000_000_000_000,
            memory_bytes: 1 << 30,
        }
    }
}

/// Why a job did not produce a model.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum JobFailure {
    #[error("out of fuel: the trainer used its budget of {0} fuel units")]
    OutOfFuel(u64),
    #[error("out of memory: the trainer asked for more than its {0}-byte memory limit")]
    OutOfMemory(usize),
    #[error("the trainer trapped: {0}")]
    Trap(String),
    #[error("the trainer refused the job: {0}")]
    Refused(String),
    #[error("the trainer component could not be loaded: {0}")]
    Load(String),
}

/// What a finished job gives back.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub onnx: Vec<u8>,
    pub metrics: Vec<(String, f64)>,
    pub final_loss: f32,
    /// Fuel the job consumed.
    pub fuel_used: u64,
}

/// A memory limiter that remembers whether it refused a request.
struct Limiter {
    memory_bytes: usize,
    refused: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let ok = desired <= self.memory_bytes;
        self.refused |= !ok;
        Ok(ok)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// The store's data: WASI (no files, network, environment or arguments), the limiter, and the
/// progress callback.
struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: Limiter,
    progress: Progress,
}

/// Receives `(epoch, epochs, loss)` from the trainer.
pub type Progress = Box<dyn FnMut(u32, u32, f32) + Send>;

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wit::Host for State {}

impl synq::trainer::progress::Host for State {
    fn report(&mut self, epoch: u32, epochs: u32, loss: f32) {
        (self.progress)(epoch, epochs, loss);
    }
}

/// A compiled trainer, reusable for many jobs (each job gets a fresh store and instance).
pub struct Sandbox {
    engine: Engine,
    component: Component,
}

fn kind(k: ModelKind) -> wit::ModelKind {
    match k {
        ModelKind::MlpRegressor => wit::ModelKind::MlpRegressor,
        ModelKind::MlpClassifier => wit::ModelKind::MlpClassifier,
        ModelKind::Kmeans => wit::ModelKind::Kmeans,
    }
}

fn spec(s: &JobSpec) -> wit::JobSpec {
    wit::JobSpec {
        kind: kind(s.kind),
        epochs: s.epochs,
        batch_size: s.batch_size,
        learning_rate: s.learning_rate,
        seed: s.seed,
        hidden_layers: s.hidden_layers.clone(),
        clusters: s.clusters,
        anomaly_quantile: s.anomaly_quantile,
        target_transform: match s.target_transform {
            TargetTransform::None => wit::TargetTransform::None,
            TargetTransform::Log => wit::TargetTransform::Log,
        },
    }
}

fn dataset(t: &Table) -> wit::Dataset {
    wit::Dataset {
        feature_names: t.feature_names.clone(),
        features: t.features.clone(),
        target_names: t.target_names.clone(),
        targets: t.targets.clone(),
    }
}

impl Sandbox {
    /// Compiles a trainer component (the bytes of `synq_trainer.wasm`).
    pub fn new(component: &[u8]) -> Result<Self, JobFailure> {
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config).map_err(|e| JobFailure::Load(e.to_string()))?;
        let component =
            Component::new(&engine, component).map_err(|e| JobFailure::Load(format!("{e:#}")))?;
        Ok(Self { engine, component })
    }

    /// Runs one job to its end.
    pub fn run(
        &self,
        job: &JobSpec,
        training: &Table,
        test: &Table,
        limits: Limits,
        progress: Progress,
    ) -> Result<Outcome, JobFailure> {
        let load = |e: wasmtime::Error| JobFailure::Load(format!("{e:#}"));
        let mut linker: Linker<State> = Linker::new(&self.engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(load)?;
        Trainer::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).map_err(load)?;
        let state = State {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            limiter: Limiter {
                memory_bytes: limits.memory_bytes,
                refused: false,
            },
            progress,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.set_fuel(limits.fuel).map_err(load)?;
        let result = Trainer::instantiate(&mut store, &self.component, &linker).and_then(|t| {
            t.synq_trainer_train().call_train(
                &mut store,
                &spec(job),
                &dataset(training),
                &dataset(test),
            )
        });
        let fuel_used = limits.fuel - store.get_fuel().unwrap_or(0);
        match result {
            Ok(Ok(m)) => Ok(Outcome {
                onnx: m.onnx,
                metrics: m.metrics.into_iter().map(|x| (x.name, x.value)).collect(),
                final_loss: m.final_loss,
                fuel_used,
            }),
            Ok(Err(e)) => Err(JobFailure::Refused(match e {
                wit::TrainError::InvalidSpec(m) => format!("invalid spec: {m}"),
                wit::TrainError::InvalidDataset(m) => format!("invalid dataset: {m}"),
                wit::TrainError::Diverged(m) => format!("diverged: {m}"),
            })),
            Err(e) if e.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel) => {
                Err(JobFailure::OutOfFuel(limits.fuel))
            }
            // The guest's allocator aborts (a trap) when memory.grow is refused.
            Err(_) if store.data().limiter.refused => {
                Err(JobFailure::OutOfMemory(limits.memory_bytes))
            }
            Err(e) => Err(JobFailure::Trap(format!("{e:#}"))),
        }
    }
}
