OPENQASM 3.0;
include "stdgates.inc";
bit[5] meas;
qubit[5] q;
rz(pi/2) q[4];
sx q[4];
rz(pi/2) q[4];
meas[0] = measure q[4];
if (meas[0]) {
  rz(pi/2) q[3];
}
if (meas[0]) {
  rz(pi/4) q[2];
}
if (meas[0]) {
  rz(pi/8) q[1];
}
if (meas[0]) {
  rz(pi/16) q[0];
}
rz(pi/2) q[3];
sx q[3];
rz(pi/2) q[3];
meas[1] = measure q[3];
if (meas[1]) {
  rz(pi/2) q[2];
}
if (meas[1]) {
  rz(pi/4) q[1];
}
if (meas[1]) {
  rz(pi/8) q[0];
}
rz(pi/2) q[2];
sx q[2];
rz(pi/2) q[2];
meas[2] = measure q[2];
if (meas[2]) {
  rz(pi/2) q[1];
}
if (meas[2]) {
  rz(pi/4) q[0];
}
rz(pi/2) q[1];
sx q[1];
rz(pi/2) q[1];
meas[3] = measure q[1];
if (meas[3]) {
  rz(pi/2) q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
meas[4] = measure q[0];
