{
  "targets": [
    {
      "target_name": "troupe_spawn",
      "sources": ["spawn.c", "wait-exit.c", "read-output.c", "common.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
