OPENQASM 3.0;
include "stdgates.inc";
gate _circuit_0 _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3 {
  h _gate_q_3;
  cp(pi/2) _gate_q_3, _gate_q_2;
  cp(pi/4) _gate_q_3, _gate_q_1;
  cp(pi/8) _gate_q_3, _gate_q_0;
  h _gate_q_2;
  cp(pi/2) _gate_q_2, _gate_q_1;
  cp(pi/4) _gate_q_2, _gate_q_0;
  h _gate_q_1;
  cp(pi/2) _gate_q_1, _gate_q_0;
  h _gate_q_0;
}
gate mcphase(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi) _gate_q_2;
  crz(2*pi) _gate_q_0, _gate_q_1;
  p(pi) _gate_q_0;
}
gate mcphase_0(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/2) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/2) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/2) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/2) _gate_q_2;
  crz(pi) _gate_q_0, _gate_q_1;
  p(pi/2) _gate_q_0;
}
gate mcphase_1(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/4) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/4) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/4) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/4) _gate_q_2;
  crz(pi/2) _gate_q_0, _gate_q_1;
  p(pi/4) _gate_q_0;
}
gate mcphase_2(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/8) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/8) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/8) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/8) _gate_q_2;
  crz(pi/4) _gate_q_0, _gate_q_1;
  p(pi/8) _gate_q_0;
}
gate mcphase_3(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/2) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/2) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/2) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/2) _gate_q_2;
  crz(pi) _gate_q_0, _gate_q_1;
  p(pi/2) _gate_q_0;
}
gate mcphase_4(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/4) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/4) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/4) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/4) _gate_q_2;
  crz(pi/2) _gate_q_0, _gate_q_1;
  p(pi/4) _gate_q_0;
}
gate mcphase_5(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/8) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/8) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/8) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/8) _gate_q_2;
  crz(pi/4) _gate_q_0, _gate_q_1;
  p(pi/8) _gate_q_0;
}
gate mcphase_6(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/16) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/16) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/16) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/16) _gate_q_2;
  crz(pi/8) _gate_q_0, _gate_q_1;
  p(pi/16) _gate_q_0;
}
gate mcphase_7(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/2) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/2) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/2) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/2) _gate_q_2;
  crz(pi) _gate_q_0, _gate_q_1;
  p(pi/2) _gate_q_0;
}
gate mcphase_8(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/4) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/4) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/4) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/4) _gate_q_2;
  crz(pi/2) _gate_q_0, _gate_q_1;
  p(pi/4) _gate_q_0;
}
gate mcphase_9(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/8) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/8) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/8) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/8) _gate_q_2;
  crz(pi/4) _gate_q_0, _gate_q_1;
  p(pi/8) _gate_q_0;
}
gate mcphase_10(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/16) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/16) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/16) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/16) _gate_q_2;
  crz(pi/8) _gate_q_0, _gate_q_1;
  p(pi/16) _gate_q_0;
}
gate mcphase_11(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/4) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/4) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/4) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/4) _gate_q_2;
  crz(pi/2) _gate_q_0, _gate_q_1;
  p(pi/4) _gate_q_0;
}
gate mcphase_12(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/8) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/8) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/8) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/8) _gate_q_2;
  crz(pi/4) _gate_q_0, _gate_q_1;
  p(pi/8) _gate_q_0;
}
gate mcphase_13(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/16) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/16) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/16) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/16) _gate_q_2;
  crz(pi/8) _gate_q_0, _gate_q_1;
  p(pi/16) _gate_q_0;
}
gate mcphase_14(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/32) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/32) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/32) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/32) _gate_q_2;
  crz(pi/16) _gate_q_0, _gate_q_1;
  p(pi/32) _gate_q_0;
}
gate _circuit_0_dg _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3 {
  h _gate_q_0;
  cp(-pi/2) _gate_q_1, _gate_q_0;
  h _gate_q_1;
  cp(-pi/4) _gate_q_2, _gate_q_0;
  cp(-pi/2) _gate_q_2, _gate_q_1;
  h _gate_q_2;
  cp(-pi/8) _gate_q_3, _gate_q_0;
  cp(-pi/4) _gate_q_3, _gate_q_1;
  cp(-pi/2) _gate_q_3, _gate_q_2;
  h _gate_q_3;
}
bit[8] meas;
qubit[2] a;
qubit[2] b;
qubit[4] out;
_circuit_0 out[0], out[1], out[2], out[3];
mcphase(4*pi) a[1], b[1], out[0];
mcphase_0(2*pi) a[1], b[1], out[1];
mcphase_1(pi) a[1], b[1], out[2];
mcphase_2(pi/2) a[1], b[1], out[3];
mcphase_3(2*pi) a[1], b[0], out[0];
mcphase_4(pi) a[1], b[0], out[1];
mcphase_5(pi/2) a[1], b[0], out[2];
mcphase_6(pi/4) a[1], b[0], out[3];
mcphase_7(2*pi) a[0], b[1], out[0];
mcphase_8(pi) a[0], b[1], out[1];
mcphase_9(pi/2) a[0], b[1], out[2];
mcphase_10(pi/4) a[0], b[1], out[3];
mcphase_11(pi) a[0], b[0], out[0];
mcphase_12(pi/2) a[0], b[0], out[1];
mcphase_13(pi/4) a[0], b[0], out[2];
mcphase_14(pi/8) a[0], b[0], out[3];
_circuit_0_dg out[0], out[1], out[2], out[3];
barrier a[0], a[1], b[0], b[1], out[0], out[1], out[2], out[3];
meas[0] = measure a[0];
meas[1] = measure a[1];
meas[2] = measure b[0];
meas[3] = measure b[1];
meas[4] = measure out[0];
meas[5] = measure out[1];
meas[6] = measure out[2];
meas[7] = measure out[3];
