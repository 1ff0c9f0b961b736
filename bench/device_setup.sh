# Sourced on the device machine before a GPU check:  source bench/device_setup.sh .whl [.whl-llm]
# Installs the carried wheel folders (bench/prepare_device.sh made them) into /tmp/site, offline, and
# puts them and this checkout on the Python path; prints the card and the versions that will run.
_site=${DEVICE_SITE:-/tmp/site}
for _folder in "$@"; do
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$_site" \
        "$_folder"/*.whl || return 1
done
export PYTHONPATH="$_site:$PWD" HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1
nvidia-smi -L 2>/dev/null || echo "no nvidia-smi"
python3 - <<'PY'
import importlib
for name in ("torch", "transformers", "datasets", "peft", "bitsandbytes"):
    try:
        module = importlib.import_module(name)
        print(name, getattr(module, "__version__", "?"), end="; ")
    except Exception as error:  # noqa: BLE001  # an optional package missing is said, not fatal
        print(name, "missing", type(error).__name__, end="; ")
import torch
print("cuda", torch.version.cuda, torch.cuda.is_available())
PY
