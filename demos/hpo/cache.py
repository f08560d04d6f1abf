"""The evaluation cache of the HPO demo: one JSON file per task, mapping a rounded parameter vector
(Task.key) to its cross-validated error and the seconds it took. Evaluations are deterministic, so
a rerun that finds a key uses the stored error and gives the same trace without fitting again.

The file starts with the task's spec (model, data, folds, ranges, scikit-learn version); a file
whose spec differs is not used (the caller is told and a new one is started). Writes go to a
temporary file in the same folder that is then renamed over the old one, so a killed run leaves
either the old cache or the new one, never half of one.

    cache = EvalCache.open("out/hpo/cache/svm-digits.json", task.spec())
    cache.get(key)                      # {"error": 0.03, "seconds": 0.05} or None
    cache.put(key, 0.03, 0.05); cache.save()
"""

import json
import os


class EvalCache:
    def __init__(self, path, spec, entries, note=None):
        self.path, self.spec, self.entries = path, spec, entries
        self.note = note  # why an existing file was not used, or None
        self._dirty = False

    @classmethod
    def open(cls, path, spec):
        """The cache at path for a task with this spec: its entries if the file exists and has
        the same spec, else empty (note says why). Raises OSError if the file cannot be read."""
        if not os.path.exists(path):
            return cls(path, spec, {})
        try:
            with open(path) as f:
                data = json.load(f)
        except ValueError as e:
            return cls(path, spec, {}, note=f"{path} is not valid JSON ({e}); starting a new cache")
        if not isinstance(data, dict) or data.get("spec") != spec:
            return cls(path, spec, {},
                       note=f"{path} was made for another task spec or scikit-learn version; "
                            "starting a new cache")
        return cls(path, spec, dict(data.get("evaluations", {})))

    def __len__(self):
        return len(self.entries)

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, error, seconds, failed=0):
        """Stores an evaluation (failed: the number of folds whose fit failed) unless key has
        one."""
        if key not in self.entries:
            entry = {"error": float(error), "seconds": round(float(seconds), 4)}
            if failed:
                entry["failed_folds"] = int(failed)
            self.entries[key] = entry
            self._dirty = True

    def save(self):
        """Writes the cache if it changed (temporary file in the same folder, then rename)."""
        if not self._dirty:
            return
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        tmp = f"{self.path}.tmp-{os.getpid()}"
        # One evaluation per line, sorted: a readable file that diffs well.
        lines = [f"{json.dumps(k)}: {json.dumps(self.entries[k])}" for k in sorted(self.entries)]
        with open(tmp, "w") as f:
            f.write('{"spec": ' + json.dumps(self.spec, sort_keys=True) + ',\n"evaluations": {\n'
                    + ",\n".join(lines) + "\n}}\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self._dirty = False
