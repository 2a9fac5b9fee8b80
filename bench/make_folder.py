"""Makes the bench's server folder: the demo's cfg/server_cfg.ini (MAX_CLIENTS=64), a 64-car
cfg/entry_list.ini and a 64-driver race result at the same track (60 classified, 4 DNF).
    /usr/bin/python3 bench/make_folder.py DEMO_FILES_DIR OUT_DIR"""
import json
import os
import re
import sys

demo, out = sys.argv[1], sys.argv[2]
os.makedirs(f"{out}/cfg", exist_ok=True)
os.makedirs(f"{out}/results", exist_ok=True)
with open(f"{demo}/cfg/server_cfg.ini", encoding="utf-8") as f:
    cfg = re.sub(r"(?m)^MAX_CLIENTS=\d+", "MAX_CLIENTS=64", f.read())
with open(f"{out}/cfg/server_cfg.ini", "w", encoding="utf-8", newline="") as f:
    f.write(cfg)
track = re.search(r"(?m)^TRACK=(.*)$", cfg).group(1).strip()
config = (re.search(r"(?m)^CONFIG_TRACK=(.*)$", cfg) or [None, ""])[1].strip()
model = re.search(r"(?m)^CARS=([^;\n]*)", cfg).group(1).split(";")[0].strip()

cars, rows, blocks = [], [], []
for i in range(64):
    name, guid = f"Bench Driver {i:02}", str(76561198000000000 + i)
    blocks.append(f"[CAR_{i}]\nMODEL={model}\nSKIN=skin_{i:02}\nSPECTATOR_MODE=0\nDRIVERNAME={name}\n"
                  f"TEAM=Team {i % 8}\nGUID={guid}\nBALLAST=0\nRESTRICTOR=0\n")
    cars.append({"CarId": i, "Driver": {"Name": name, "Team": f"Team {i % 8}", "Nation": "", "Guid": guid,
                                        "GuidsList": [guid]}, "Model": model, "Skin": f"skin_{i:02}",
                 "BallastKG": 0, "Restrictor": 0})
# Finishing order: a fixed shuffle of the cars; the last 4 did not finish.
order = sorted(range(64), key=lambda i: (i * 37) % 64)
for pos, i in enumerate(order):
    dnf = pos >= 60
    rows.append({"DriverName": f"Bench Driver {i:02}", "DriverGuid": str(76561198000000000 + i), "CarId": i,
                 "CarModel": model, "BestLap": 999999999 if dnf else 57000 + pos * 10,
                 "TotalTime": 0 if dnf else 360000 + pos * 500, "BallastKG": 0, "Restrictor": 0})
with open(f"{out}/cfg/entry_list.ini", "w", encoding="utf-8", newline="") as f:
    f.write("\n".join(blocks))
result = {"TrackName": track, "TrackConfig": config, "Type": "RACE", "DurationSecs": 0, "RaceLaps": 10,
          "Cars": cars, "Result": rows, "Laps": [], "Events": []}
with open(f"{out}/results/2024_1_1_20_0_RACE.json", "w", encoding="utf-8") as f:
    json.dump(result, f, indent=2)
print(f"bench server folder {out}: 64 cars at {track}")
