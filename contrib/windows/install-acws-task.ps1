# Registers acws as a Windows scheduled task that starts at boot and restarts after a crash.
# Run in an elevated PowerShell (5.1 or 7), from the folder you unpacked acws-<version>-win-x64.zip into:
#
#   .\contrib\windows\install-acws-task.ps1 -Dir C:\acserver -Exe C:\acserver\acws.exe -Port 8765
#   .\contrib\windows\install-acws-task.ps1 -Dir C:\acserver -Exe C:\acserver\acws.exe -ListenHost 0.0.0.0 -Token (Read-Host)
#   .\contrib\windows\install-acws-task.ps1 -Uninstall
#
# Why a scheduled task and not a service: acws is a console program, not a Windows service (it does not
# talk to the Service Control Manager). The task runs as NT AUTHORITY\LOCAL SERVICE, which gets Modify
# rights on the server folder only. acws listens through Windows' http.sys (HttpListener), so the script
# reserves the URL for that account (netsh http add urlacl); off loopback it also opens the firewall port.
# The token is passed as --token in the task's arguments: task definitions are readable by administrators
# only. acws starts acServer.exe itself (`server start`), as its child, under the same account.
param(
    [string]$Dir = "C:\acserver",
    [string]$Exe = "",
    [string]$ListenHost = "127.0.0.1",
    [int]$Port = 8765,
    [string]$Token = "",
    [string]$TaskName = "acws",
    [switch]$Uninstall
)
$ErrorActionPreference = "Stop"
$account = "NT AUTHORITY\LOCAL SERVICE"
$urls = if ($ListenHost -in "0.0.0.0", "*", "+") { @("http://*:$Port/") }
        elseif ($ListenHost -eq "127.0.0.1") { @("http://127.0.0.1:$Port/", "http://localhost:$Port/") }
        else { @("http://${ListenHost}:$Port/") }

if ($Uninstall) {
    Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false -ErrorAction SilentlyContinue
    foreach ($u in $urls) { netsh http delete urlacl url=$u | Out-Null }
    Remove-NetFirewallRule -DisplayName "acws $Port" -ErrorAction SilentlyContinue
    Write-Output "removed task $TaskName"
    exit 0
}

if (-not $Exe) { $Exe = Join-Path $Dir "acws.exe" }
if (-not (Test-Path $Exe)) { throw "acws not found at $Exe (pass -Exe)" }
if (-not (Test-Path (Join-Path $Dir "cfg\server_cfg.ini"))) { throw "$Dir has no cfg\server_cfg.ini (pass -Dir with your server folder)" }
$loopback = $ListenHost -in "127.0.0.1", "localhost", "::1"
if (-not $loopback -and -not $Token) { throw "listening on $ListenHost needs a token: pass -Token" }

& "$Exe" --version
if ($LASTEXITCODE -ne 0) { throw "$Exe --version failed" }

# The server folder: acws writes cfg\, logs\acws\ and acServer writes results\.
icacls "$Dir" /grant "*S-1-5-19:(OI)(CI)M" | Out-Null
foreach ($u in $urls) {
    netsh http delete urlacl url=$u 2>$null | Out-Null
    netsh http add urlacl url=$u sddl="D:(A;;GX;;;S-1-5-19)" | Out-Null
}
if (-not $loopback) {
    Remove-NetFirewallRule -DisplayName "acws $Port" -ErrorAction SilentlyContinue
    New-NetFirewallRule -DisplayName "acws $Port" -Direction Inbound -Protocol TCP -LocalPort $Port -Action Allow | Out-Null
}

$arguments = "--dir `"$Dir`" --host $ListenHost --port $Port"
if ($Token) { $arguments += " --token `"$Token`"" }
$action = New-ScheduledTaskAction -Execute $Exe -Argument $arguments -WorkingDirectory $Dir
$trigger = New-ScheduledTaskTrigger -AtStartup
$principal = New-ScheduledTaskPrincipal -UserId $account -LogonType ServiceAccount -RunLevel Limited
$settings = New-ScheduledTaskSettingsSet -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) `
    -ExecutionTimeLimit ([TimeSpan]::Zero) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -StartWhenAvailable
Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Principal $principal -Settings $settings -Force | Out-Null
Start-ScheduledTask -TaskName $TaskName
Write-Output "registered and started task ${TaskName}: acws on ws://${ListenHost}:$Port/ for $Dir"
Write-Output "check it: Get-ScheduledTask $TaskName | Get-ScheduledTaskInfo; Invoke-WebRequest http://127.0.0.1:$Port/health"
