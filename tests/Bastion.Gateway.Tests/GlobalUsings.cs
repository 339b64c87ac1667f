// The shared composition (Bastion.Hosting) moved out of the gateway; its types are used throughout.
global using Bastion.Hosting;
global using Bastion.Hosting.Configuration;
global using Bastion.Hosting.Inventory;
global using Bastion.Hosting.Inventory.Dns;
global using Bastion.Hosting.Inventory.Ec2;
global using Bastion.Hosting.Observability;
