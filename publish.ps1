# PowerShell twin of publish.sh (for Windows; works with pwsh anywhere):
#   ./publish.ps1 [-Rid RID] [-Version X.Y.Z]   →  dist/<RID>/acws.exe (acws elsewhere) and prints its size.
# Without -Rid it publishes for this machine (win-x64, win-arm64, linux-x64, osx-arm64 …).
param(
    [string]$Rid = "",
    [string]$Version = ""
)
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot

if (-not $Rid) {
    $os = if ($IsLinux) { "linux" } elseif ($IsMacOS) { "osx" } else { "win" }
    $arch = switch ([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture) {
        "X64" { "x64" }
        "Arm64" { "arm64" }
        default { throw "publish.ps1: unknown CPU $_; pass -Rid" }
    }
    $Rid = "$os-$arch"
}

$out = "dist/$Rid"
if (Test-Path $out) { Remove-Item -Recurse -Force $out }
$extra = @()
if ($Version) { $extra += "-p:Version=$Version" }
dotnet publish AcWs.csproj -c Release -r $Rid -o $out -nologo @extra
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Get-ChildItem $out -Include *.dbg, *.pdb -Recurse | Remove-Item -Force
$bin = if (Test-Path "$out/acws.exe") { "$out/acws.exe" } else { "$out/acws" }
$size = (Get-Item $bin).Length
Write-Output ("published $bin ($size bytes, {0} MiB)" -f [math]::Round($size / 1MB))
