//! The compute device: the CPU (burn's ndarray backend) always, CUDA when built with
//! `--features cuda` and a GPU is present.

use anyhow::{Result, bail};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Device {
    Cpu,
    Cuda,
}

/// The CPU backend with autodiff.
pub type Cpu = burn::backend::Autodiff<burn::backend::NdArray>;

#[cfg(feature = "cuda")]
pub type Gpu = burn::backend::Autodiff<burn::backend::Cuda>;

/// Fails with a clear message when CUDA was asked for but cannot be used.
pub fn check(device: Device) -> Result<()> {
    match device {
        Device::Cpu => Ok(()),
        #[cfg(not(feature = "cuda"))]
        Device::Cuda => bail!(
            "this trainer was built without CUDA support: rebuild with `cargo build --release -p trainer --features cuda`"
        ),
        #[cfg(feature = "cuda")]
        Device::Cuda => cuda_present(),
    }
}

/// Touches the GPU once, turning the CUDA runtime's panic (no driver, no device) into an error.
#[cfg(feature = "cuda")]
fn cuda_present() -> Result<()> {
    use burn::prelude::*;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let probe = std::panic::catch_unwind(|| {
        let device = burn::backend::cuda::CudaDevice::default();
        Tensor::<burn::backend::Cuda, 1>::zeros([1], &device).into_data()
    });
    std::panic::set_hook(hook);
    match probe {
        Ok(_) => Ok(()),
        Err(cause) => {
            let reason = cause
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| cause.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            bail!(
                "no CUDA device: the CUDA driver or GPU could not be used ({reason}); run with --device cpu"
            )
        }
    }
}
