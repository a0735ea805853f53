import * as k8s from '@kubernetes/client-node';
import express from 'express';
import { Ajv } from 'ajv';
test('deps load', () => { expect(typeof k8s.KubeConfig).toBe('function'); expect(typeof express).toBe('function'); expect(new Ajv()).toBeTruthy(); });
