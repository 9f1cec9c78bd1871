# The same Worker run by workerd itself, with the Durable Objects' storage on disk: what the tests
# run (test/served/), and a local server without wrangler. Bundle it first, then serve:
#   npx esbuild src/worker.js --bundle --format=esm --external:cloudflare:workers --outfile=build/worker.js
#   ROOT_KEY=… KMS_CREDENTIALS='[…]' KMS_REGION=us-east-1 KMS_ACCOUNT_ID=000000000000 \
#     npx workerd serve workerd.capnp --directory-path keyrings=./data --socket-addr http=127.0.0.1:8787
# The bindings come from the environment (wrangler.toml's secrets and vars); KEYS_BUNDLE may be unset.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "kms", worker = .kms), (name = "keyrings", disk = (writable = true)) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "kms") ],
);

const kms :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "build/worker.js") ],
  compatibilityDate = "2026-11-01",
  durableObjectNamespaces = [ (className = "KeyringObject", uniqueKey = "webkms-worker-kms", enableSql = true) ],
  durableObjectStorage = (localDisk = "keyrings"),
  bindings = [
    (name = "KEYRINGS", durableObjectNamespace = "KeyringObject"),
    (name = "ROOT_KEY", fromEnvironment = "ROOT_KEY"),
    (name = "KMS_CREDENTIALS", fromEnvironment = "KMS_CREDENTIALS"),
    (name = "KEYS_BUNDLE", fromEnvironment = "KEYS_BUNDLE"),
    (name = "KMS_REGION", fromEnvironment = "KMS_REGION"),
    (name = "KMS_ACCOUNT_ID", fromEnvironment = "KMS_ACCOUNT_ID"),
  ],
);
